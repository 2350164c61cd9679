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
      if helper.reclaim() { body(1) } else { helper.wait() }
      helper.release()
    } else {
      body(0)
      body(1)
    }
  }
}

/// A persistent thread that runs one posted closure at a time.
///
/// Phases: 0 idle → 1 posted (by the owner) → 2 running (the helper claimed it) → 3 done.
/// When the owner finishes its own half and the helper has not claimed the job yet (it may be
/// asleep, or descheduled because other threads fill the cores), the owner takes the job back
/// (1 → 0) and runs it itself, so nobody ever waits for a thread that is not running.
@usableFromInline
final class ProductHelper: @unchecked Sendable {
  private let phase = Atomic<Int>(0)
  /// A caller owns the helper between `post` and `release`.
  private let owned = Atomic<Bool>(false)
  private let sleeping = Atomic<Bool>(false)
  private let wake = DispatchSemaphore(value: 0)
  /// After a job the helper stays awake this long for the next one (the products of one
  /// training step follow each other closely), then sleeps on `wake`.
  private let spinLimit = Duration.microseconds(100)
  /// Written by the owner before `phase` becomes 1, read by the helper after it claims the job.
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
    // Sequentially consistent, with the helper's `sleeping` store and `phase` load: otherwise
    // each side may miss the other's store (x86 lets a load pass an earlier store) and the
    // helper would sleep through a posted job.
    phase.store(1, ordering: .sequentiallyConsistent)
    if sleeping.exchange(false, ordering: .sequentiallyConsistent) { wake.signal() }
    return true
  }

  /// Takes the posted job back if the helper has not started it; the caller then runs it.
  @usableFromInline
  func reclaim() -> Bool {
    phase.compareExchange(expected: 1, desired: 0, ordering: .acquiringAndReleasing).exchanged
  }

  /// Waits until the helper has finished the job it claimed.
  @usableFromInline
  func wait() {
    var spins = 0
    while phase.load(ordering: .acquiring) != 3 {
      spins += 1
      if spins & 255 == 0 { sched_yield() }
    }
  }

  /// Ends the caller's ownership; the helper is free for the next product.
  @usableFromInline
  func release() {
    job = nil
    phase.store(0, ordering: .relaxed)
    owned.store(false, ordering: .releasing)
  }

  private func loop() {
    let clock = ContinuousClock()
    while true {
      var spins = 0
      var idleSince = clock.now
      while true {
        if phase.load(ordering: .acquiring) == 1,
          phase.compareExchange(expected: 1, desired: 2, ordering: .acquiringAndReleasing).exchanged
        {
          break
        }
        spins += 1
        if spins & 63 == 0, clock.now - idleSince > spinLimit {
          sleeping.store(true, ordering: .sequentiallyConsistent)
          if phase.load(ordering: .sequentiallyConsistent) == 1 {
            _ = sleeping.exchange(false, ordering: .sequentiallyConsistent)
            continue
          }
          wake.wait()
          idleSince = clock.now
        }
      }
      job?(1)
      phase.store(3, ordering: .releasing)
    }
  }
}
