// Splitting one large matrix product across two cores.
//
// A product C = A·B is cut into two bands of C's rows; the calling thread computes one and a
// persistent helper thread the other. Every element of C is still summed by the same loop in
// the same order, so results are bit-identical to the one-thread product (and to any machine's).
//
// Why a persistent thread: at these sizes (a product is 10–300 µs of work) handing work to
// Dispatch costs more than it saves (measured: a BN-paper step went from 1.05 to 1.67 ms with
// `concurrentPerform`). The helper spins for a short while after each job, so the next product
// of the same training step finds it awake, then sleeps on a semaphore and costs nothing.
// When it is busy with another caller's product (several networks training on several threads),
// the caller simply computes both bands itself.

import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Products with at least this many multiply-adds (m·n·k) are split across two threads.
/// 2¹⁹ ≈ 10 µs of one core's work here; below it the hand-off is not worth it.
public let parallelProductThreshold = 1 << 19

/// The helper thread, or nil on a one-core machine or with `NORMSCOPE_THREADS=1`.
@usableFromInline let productHelper: ProductHelper? = {
  if let v = getenv("NORMSCOPE_THREADS"), String(cString: v) == "1" { return nil }
  return sysconf(Int32(_SC_NPROCESSORS_ONLN)) >= 2 ? ProductHelper() : nil
}()

/// Whether large products use two threads in this process.
public var parallelProductsEnabled: Bool { productHelper != nil }

/// Runs `body(0)` on the calling thread and `body(1)` on the helper thread (or both on the
/// calling thread when there is no free helper), and returns when both are done.
@usableFromInline
func runOnTwoThreads(_ body: (Int) -> Void) {
  withoutActuallyEscaping(body) { escapable in
    if let helper = productHelper, helper.post(escapable) {
      body(0)
      helper.wait()
    } else {
      body(0)
      body(1)
    }
  }
}

/// A persistent thread that runs one posted closure at a time.
@usableFromInline
final class ProductHelper: @unchecked Sendable {
  /// 0 idle, 1 job posted, 2 job done.
  private let phase = Atomic<Int>(0)
  /// A caller owns the helper between `post` and `wait`.
  private let owned = Atomic<Bool>(false)
  private let sleeping = Atomic<Bool>(false)
  private let wake = DispatchSemaphore(value: 0)
  /// Written by the owner before `phase` becomes 1 (release), read by the helper after it
  /// sees 1 (acquire).
  private nonisolated(unsafe) var job: ((Int) -> Void)? = nil

  init() {
    var thread = pthread_t()
    let me = Unmanaged.passRetained(self).toOpaque()
    let started = pthread_create(
      &thread, nil,
      { arg in
        Unmanaged<ProductHelper>.fromOpaque(arg!).takeRetainedValue().loop()
        return nil
      }, me)
    if started == 0 { pthread_detach(thread) } else { Unmanaged<ProductHelper>.fromOpaque(me).release() }
  }

  /// Hands `body(1)` to the helper; false (and nothing posted) when another caller owns it.
  @usableFromInline
  func post(_ body: @escaping (Int) -> Void) -> Bool {
    guard owned.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
    job = body
    phase.store(1, ordering: .releasing)
    if sleeping.exchange(false, ordering: .acquiringAndReleasing) { wake.signal() }
    return true
  }

  /// Waits until the posted job has finished, then releases the helper.
  @usableFromInline
  func wait() {
    while phase.load(ordering: .acquiring) != 2 {}
    job = nil
    phase.store(0, ordering: .relaxed)
    owned.store(false, ordering: .releasing)
  }

  private func loop() {
    let clock = ContinuousClock()
    while true {
      // Spin up to 2 ms for the next job, then sleep until a caller signals.
      var spins = 0
      var idleSince = clock.now
      while phase.load(ordering: .acquiring) != 1 {
        spins += 1
        if spins & 1023 == 0, clock.now - idleSince > .milliseconds(2) {
          sleeping.store(true, ordering: .releasing)
          if phase.load(ordering: .acquiring) == 1 {
            _ = sleeping.exchange(false, ordering: .acquiringAndReleasing)
            break
          }
          wake.wait()
          idleSince = clock.now
        }
      }
      job?(1)
      phase.store(2, ordering: .releasing)
    }
  }
}
