#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A counter that one thread rings and others wait on, instead of polling with sleeps.
///
/// The publisher changes shared state, then calls ``ring()``. A waiter reads ``generation``
/// *before* it looks at the shared state; if there is nothing new it calls
/// ``wait(after:timeout:)`` with that generation, which returns at once when a ring came in
/// between (so no ring is ever missed), else when the next ring comes or the timeout passes.
/// Every wait has a timeout. A POSIX mutex and condition variable (monotonic clock on Linux).
///
/// A waiter that must also watch a file (a terminal waiting for a key) asks for
/// ``descriptor``: from then on each ring also writes a byte to a pipe whose read end it
/// returns, so `poll` on that end and the file wakes on either (see ``drain()``).
public final class Wakeup: @unchecked Sendable {
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private let condition: UnsafeMutablePointer<pthread_cond_t>
  /// Guarded by `mutex`.
  private var count: UInt64 = 0
  /// The pipe's read and write ends once ``descriptor`` was asked for (non-blocking); guarded
  /// by `mutex`.
  private var pipeEnds: (read: Int32, write: Int32)? = nil
  #if canImport(Darwin)
    private static let clock = CLOCK_REALTIME
  #else
    private static let clock = CLOCK_MONOTONIC
  #endif

  public init() {
    mutex = .allocate(capacity: 1)
    mutex.initialize(to: pthread_mutex_t())
    pthread_mutex_init(mutex, nil)
    condition = .allocate(capacity: 1)
    condition.initialize(to: pthread_cond_t())
    var attributes = pthread_condattr_t()
    pthread_condattr_init(&attributes)
    #if !canImport(Darwin)
      pthread_condattr_setclock(&attributes, Self.clock)
    #endif
    pthread_cond_init(condition, &attributes)
    pthread_condattr_destroy(&attributes)
  }

  deinit {
    if let p = pipeEnds {
      close(p.read)
      close(p.write)
    }
    pthread_cond_destroy(condition)
    pthread_mutex_destroy(mutex)
    condition.deallocate()
    mutex.deallocate()
  }

  /// How many times it was rung.
  public var generation: UInt64 {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return count
  }

  /// Wakes every thread waiting now; a later wait with an older generation returns at once.
  public func ring() {
    pthread_mutex_lock(mutex)
    count &+= 1
    pthread_cond_broadcast(condition)
    if let p = pipeEnds {
      // Non-blocking: a full pipe is readable already, so a dropped byte loses no wakeup.
      var byte: UInt8 = 1
      _ = write(p.write, &byte, 1)
    }
    pthread_mutex_unlock(mutex)
  }

  /// A file descriptor that becomes readable when the wakeup rings (from the first call on),
  /// for `poll` together with other files; -1 if no pipe could be made. Read it empty with
  /// ``drain()`` *before* reading ``generation``, so a ring after that read still wakes `poll`.
  public var descriptor: Int32 {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    if let p = pipeEnds { return p.read }
    var ends: [Int32] = [-1, -1]
    guard pipe(&ends) == 0 else { return -1 }
    for fd in ends {
      _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
      _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }
    pipeEnds = (ends[0], ends[1])
    return ends[0]
  }

  /// Empties ``descriptor``'s pipe (never blocks).
  public func drain() {
    pthread_mutex_lock(mutex)
    let fd = pipeEnds?.read
    pthread_mutex_unlock(mutex)
    guard let fd else { return }
    var bytes = [UInt8](repeating: 0, count: 64)
    while read(fd, &bytes, bytes.count) > 0 {}
  }

  /// Waits until the generation is no longer `seen` or `timeout` has passed (at most a day).
  /// True when it was rung.
  @discardableResult
  public func wait(after seen: UInt64, timeout: Duration) -> Bool {
    var deadline = timespec()
    clock_gettime(Self.clock, &deadline)
    let (seconds, attoseconds) = timeout.components
    if seconds >= 0 && (seconds > 0 || attoseconds > 0) {
      let nanoseconds = Int(deadline.tv_nsec) + Int(attoseconds / 1_000_000_000)
      deadline.tv_sec += time_t(min(seconds, 86_400) + Int64(nanoseconds / 1_000_000_000))
      deadline.tv_nsec = Int(nanoseconds % 1_000_000_000)
    }
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    while count == seen {
      if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { break }
    }
    return count != seen
  }
}
