/// What a scene holds, for the live app's scene browser: its length and its claims.
extension Scene {
  /// The training steps the timeline runs (a `run until` counts its limit).
  public var totalSteps: Int {
    statements.reduce(0) { total, s in
      switch s.kind {
      case .run(let n): total + n
      case .runUntil(_, let within, _): total + within
      default: total
      }
    }
  }

  /// The number of `expect` lines.
  public var expectationCount: Int {
    statements.filter { if case .expect = $0.kind { true } else { false } }.count
  }

  /// Seconds live play takes at `stepsPerSecond` (the live app's default speed is 5 steps a
  /// frame at 30 frames a second), with every caption held for its `for Ns` or its reading
  /// time (its quoted values counted as one word each).
  public func liveSeconds(stepsPerSecond: Double = 150) -> Double {
    var seconds = Double(totalSteps) / stepsPerSecond
    for s in statements {
      guard case .caption(let parts, let hold) = s.kind else { continue }
      let words = parts.map { part -> String in
        if case .text(let t) = part { return t }
        return "x"
      }.joined()
      seconds += hold ?? ScenePlayer.readingSeconds(words)
    }
    return seconds
  }
}
