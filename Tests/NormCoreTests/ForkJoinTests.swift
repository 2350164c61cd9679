import Dispatch
import NormCore
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The two-thread fork-join under load: many thousand small jobs (so the worker is handed
/// work, spins, sleeps and wakes many times), each checked to equal the one-thread result bit
/// for bit. Run under ThreadSanitizer as docs/performance.md ("ThreadSanitizer check") shows.
@Suite("ForkJoin: stress")
struct ForkJoinTests {
  /// One chunk's work: a sum whose value depends on the order of additions (so a chunk run
  /// twice, skipped or mixed with another would show).
  static func chunkValue(_ c: Int, round: Int, length: Int) -> Float {
    var t: Float = 0
    for i in 0..<length { t += Float((c &* 31 &+ i &* 7 &+ round) % 113) * 0.1 + 1e-3 * Float(i) }
    return t
  }

  /// `rounds` fork-joins of `chunks` chunks on `forkJoin`, each writing its own slot, compared
  /// with the same values computed on the calling thread. Returns the number of mismatches.
  static func stress(_ forkJoin: ForkJoin, rounds: Int, chunks: Int, length: Int) -> Int {
    let out = UnsafeMutableBufferPointer<Float>.allocate(capacity: chunks)
    let runs = UnsafeMutableBufferPointer<Int>.allocate(capacity: chunks)
    defer {
      out.deallocate()
      runs.deallocate()
    }
    var mismatches = 0
    for round in 0..<rounds {
      out.initialize(repeating: .nan)
      runs.initialize(repeating: 0)
      forkJoin.run(chunks: chunks) { c in
        out[c] = chunkValue(c, round: round, length: length)
        runs[c] += 1
      }
      for c in 0..<chunks where out[c] != chunkValue(c, round: round, length: length) || runs[c] != 1 {
        mismatches += 1
      }
    }
    return mismatches
  }

  @Test("5,000 fork-joins of 2 to 9 chunks equal the one-thread results exactly")
  func manyForkJoins() {
    let f = ForkJoin()
    var mismatches = 0
    for chunks in 2...9 { mismatches += Self.stress(f, rounds: 625, chunks: chunks, length: 1 + 37 * chunks) }
    #expect(mismatches == 0)
  }

  @Test("run(a, b) runs both closures once each; 5,000 times, with pauses that let the worker sleep")
  func twoClosures() {
    let f = ForkJoin()
    let slots = UnsafeMutableBufferPointer<Float>.allocate(capacity: 2)
    defer { slots.deallocate() }
    var mismatches = 0
    for round in 0..<5_000 {
      slots.initialize(repeating: .nan)
      f.run(
        { slots[0] = Self.chunkValue(0, round: round, length: 64) },
        { slots[1] = Self.chunkValue(1, round: round, length: 64) })
      if slots[0] != Self.chunkValue(0, round: round, length: 64)
        || slots[1] != Self.chunkValue(1, round: round, length: 64)
      {
        mismatches += 1
      }
      // Now and then wait past the worker's 400 µs spin, so it goes to sleep and is woken.
      if round % 500 == 0 { _ = usleep(1_000) }
    }
    #expect(mismatches == 0)
  }

  @Test("four threads sharing one fork-join: one gets the worker, the others run alone; all exact")
  func concurrentCallers() {
    let f = ForkJoin()
    let results = UnsafeMutableBufferPointer<Int>.allocate(capacity: 4)
    defer { results.deallocate() }
    nonisolated(unsafe) let out = results
    DispatchQueue.concurrentPerform(iterations: 4) { t in
      out[t] = Self.stress(f, rounds: 1_250, chunks: 2 + t, length: 50)
    }
    #expect(results.allSatisfy { $0 == 0 })
  }

  @Test("split products through the process's fork-join equal one-thread products, 300 times")
  func products() {
    // 64×64·64 = 2¹⁸ multiply-adds would stay on one thread; 64×96·96 is above the threshold.
    let (m, n, k) = (64, 96, 96)
    #expect(m * n * k >= parallelProductThreshold)
    var rng = SeededRNG(seed: 7)
    let a = (0..<(m * k)).map { _ in rng.normal() }
    let b = (0..<(n * k)).map { _ in rng.normal() }
    var want = [Float](repeating: 0, count: m * n)
    a.withUnsafeBufferPointer { ap in
      b.withUnsafeBufferPointer { bp in
        want.withUnsafeMutableBufferPointer {
          serialMatmulNT($0.baseAddress!, ap.baseAddress!, bp.baseAddress!, m: m, n: n, k: k)
        }
      }
    }
    var mismatches = 0
    var c = [Float](repeating: 0, count: m * n)
    for _ in 0..<300 {
      matmulNT(&c, a, b, m: m, n: n, k: k)
      if c != want { mismatches += 1 }
    }
    #expect(mismatches == 0)
  }
}
