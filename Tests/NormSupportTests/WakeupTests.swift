import Foundation
import NormSupport
import Testing

/// Wakeup: a ring ends a wait begun with an older generation, and makes the descriptor readable
/// for `poll` until it is drained.
@Suite("Wakeup: condition wait and pollable descriptor")
struct WakeupTests {
  /// Polls `fd` for reading, at most `ms` milliseconds; true when it is readable.
  static func readable(_ fd: Int32, ms: Int32) -> Bool {
    var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    return poll(&p, 1, ms) == 1 && p.revents & Int16(POLLIN) != 0
  }

  @Test("a wait after an older generation returns at once; a wait with nothing rung times out")
  func waits() {
    let w = Wakeup()
    let seen = w.generation
    #expect(!w.wait(after: seen, timeout: .milliseconds(5)))
    w.ring()
    #expect(w.wait(after: seen, timeout: .seconds(10)))
    #expect(w.generation == seen + 1)
  }

  @Test("the descriptor is readable after a ring (also one from another thread) until drained")
  func descriptor() {
    let w = Wakeup()
    let fd = w.descriptor
    #expect(fd >= 0)
    #expect(w.descriptor == fd)
    #expect(!Self.readable(fd, ms: 0))
    w.ring()
    w.ring()
    #expect(Self.readable(fd, ms: 0))
    w.drain()
    #expect(!Self.readable(fd, ms: 0))
    let thread = Thread { w.ring() }
    thread.start()
    #expect(Self.readable(fd, ms: 10_000))
    w.drain()
    #expect(!Self.readable(fd, ms: 0))
  }
}
