// Splitting one large matrix product across two cores.
//
// A product C = A·B is cut into bands of C's rows (Matmul.swift), shared between the calling
// thread and the persistent worker thread of a ``ForkJoin``. Every element of C is still summed
// by the same loop in the same order, so results are bit-identical to the one-thread product
// (and to any machine's).
//
// Why a persistent thread: at these sizes (a product is 10–300 µs of work) handing work to
// Dispatch costs more than it saves (measured: a BN-paper step went from 1.05 to 1.67 ms with
// `concurrentPerform`). The worker spins for a short while after each job, so the next product
// of the same training step finds it awake, then sleeps on a semaphore and costs nothing.
// When it is busy with another caller's product (several networks training on several threads),
// the caller simply computes every band itself.

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
package let parallelProductThreshold = 1 << 19

/// The process's fork-join for products, or nil on a one-core machine or with
/// `NORMSCOPE_THREADS=1`.
let productForkJoin: ForkJoin? = {
  if let v = getenv("NORMSCOPE_THREADS"), String(cString: v) == "1" { return nil }
  return sysconf(Int32(_SC_NPROCESSORS_ONLN)) >= 2 ? ForkJoin() : nil
}()

/// Whether large products use two threads in this process.
package var parallelProductsEnabled: Bool { productForkJoin != nil }

/// Runs `body(0) … body(chunks − 1)`, each exactly once, on the calling thread and the product
/// fork-join's worker (``ForkJoin/run(chunks:_:)``), or all on the calling thread when products
/// run on one thread.
func runOnTwoThreads(chunks: Int, _ body: (Int) -> Void) {
  if let f = productForkJoin {
    f.run(chunks: chunks, body)
  } else {
    for c in 0..<chunks { body(c) }
  }
}

/// Fork-join on two threads: the calling thread and one persistent worker thread, created once
/// with the ``ForkJoin`` and reused by every call (no thread is created per call).
///
/// ``run(chunks:_:)`` runs `body(0) … body(chunks − 1)`, each exactly once, and returns when all
/// have finished; ``run(_:_:)`` does the same for two closures. Which thread runs which chunk is
/// not fixed: both take chunks from a shared counter, so a worker that wakes late still takes
/// the chunks left, and one that never gets the CPU costs nothing (the caller takes every chunk
/// itself). When another caller is using the worker, the caller runs all chunks alone. Results
/// that each chunk computes on its own data are therefore identical to a one-thread loop.
///
/// How it works: one atomic word, `ticket`, holds the job's generation (upper 32 bits), its
/// number of chunks (16 bits) and the next chunk to take (16 bits). The caller posts a job by
/// storing a fresh ticket; both threads then take chunks with a compare-and-swap that also
/// checks the generation, so a worker that wakes late can never take a chunk of a job that is
/// over, nor run one twice. `done` counts finished chunks; the caller waits only for chunks the
/// worker has already taken, never for a worker that has not run. After a job the worker spins
/// 400 µs for the next one (the products of one training step follow each other closely), then
/// sleeps on a semaphore.
///
/// Checked under ThreadSanitizer by `ForkJoinTests` (thousands of fork-joins against the
/// one-thread result); how to run it: docs/performance.md, "ThreadSanitizer check".
package final class ForkJoin: @unchecked Sendable {
  private let ticket = Atomic<Int>(0)
  private let done = Atomic<Int>(0)
  /// A caller owns the worker between `post` and `finish`.
  private let owned = Atomic<Bool>(false)
  private let sleeping = Atomic<Bool>(false)
  private let wake = DispatchSemaphore(value: 0)
  /// After a job the worker stays awake this long for the next one, then sleeps on `wake`.
  private let spinLimit = Duration.microseconds(400)
  /// Written by the owner before the ticket is stored (release); read only after a chunk was
  /// taken with an acquiring compare-and-swap on that ticket.
  private nonisolated(unsafe) var job: ((Int) -> Void)? = nil
  private nonisolated(unsafe) var generation = 0

  /// Starts the worker thread. It lives as long as the process (the products' fork-join is one
  /// per process); if it cannot be started, every call runs on the calling thread.
  package init() {
    var thread = pthread_t()
    let me = Unmanaged.passRetained(self).toOpaque()
    let started = pthread_create(
      &thread, nil,
      { arg in
        Unmanaged<ForkJoin>.fromOpaque(arg!).takeRetainedValue().loop()
        return nil
      }, me)
    if started == 0 { pthread_detach(thread) } else { Unmanaged<ForkJoin>.fromOpaque(me).release() }
  }

  /// Runs `body(0) … body(chunks − 1)`, each exactly once, shared between the calling thread
  /// and the worker, and returns when all are done. `chunks` must be below 65,536.
  package func run(chunks: Int, _ body: (Int) -> Void) {
    withoutActuallyEscaping(body) { escapable in
      if chunks > 1, post(escapable, chunks: chunks) {
        work(generation: generation)
        finish()
      } else {
        for c in 0..<chunks { body(c) }
      }
    }
  }

  /// Runs `a` and `b`, possibly at the same time on the two threads, and returns when both
  /// are done.
  package func run(_ a: () -> Void, _ b: () -> Void) {
    run(chunks: 2) { $0 == 0 ? a() : b() }
  }

  @inline(__always) private static func generation(of t: Int) -> Int { t >> 32 }

  /// Posts a job; false (and nothing posted) when another caller owns the worker.
  private func post(_ body: @escaping (Int) -> Void, chunks: Int) -> Bool {
    precondition(chunks < 1 << 16)
    guard owned.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
    job = body
    generation = (generation + 1) & 0x7FFF_FFFF
    done.store(0, ordering: .relaxed)
    // Sequentially consistent, with the worker's `sleeping` store and `ticket` load: otherwise
    // each side may miss the other's store (x86 lets a load pass an earlier store) and the
    // worker would sleep through a posted job.
    ticket.store(generation << 32 | chunks << 16, ordering: .sequentiallyConsistent)
    if sleeping.exchange(false, ordering: .sequentiallyConsistent) { wake.signal() }
    return true
  }

  /// Takes and runs chunks of the job of generation `g` until none are left (both threads).
  private func work(generation g: Int) {
    while true {
      let t = ticket.load(ordering: .acquiring)
      let pieces = (t >> 16) & 0xFFFF
      let piece = t & 0xFFFF
      if Self.generation(of: t) != g || piece >= pieces { return }
      guard ticket.compareExchange(expected: t, desired: t + 1, ordering: .acquiringAndReleasing).exchanged else {
        continue
      }
      job!(piece)
      done.add(1, ordering: .releasing)
    }
  }

  /// The owner's side, after taking chunks until none were left: waits for chunks still running
  /// on the worker, then releases it for the next caller.
  private func finish() {
    let pieces = (ticket.load(ordering: .relaxed) >> 16) & 0xFFFF
    var spins = 0
    while done.load(ordering: .acquiring) < pieces {
      spins += 1
      if spins & 255 == 0 { sched_yield() }
    }
    job = nil
    owned.store(false, ordering: .releasing)
  }

  private func loop() {
    let clock = ContinuousClock()
    var served = 0
    while true {
      var spins = 0
      var idleSince = clock.now
      while Self.generation(of: ticket.load(ordering: .acquiring)) == served {
        spins += 1
        if spins & 63 == 0, clock.now - idleSince > spinLimit {
          sleeping.store(true, ordering: .sequentiallyConsistent)
          if Self.generation(of: ticket.load(ordering: .sequentiallyConsistent)) != served {
            _ = sleeping.exchange(false, ordering: .sequentiallyConsistent)
            break
          }
          wake.wait()
          idleSince = clock.now
        }
      }
      served = Self.generation(of: ticket.load(ordering: .acquiring))
      work(generation: served)
    }
  }
}
