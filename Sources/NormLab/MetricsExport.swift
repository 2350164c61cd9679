import NormSupport

/// Per-step metrics of an experiment as CSV or JSON Lines: one row per step per variant.
/// Instruments sampled less often than every step leave their columns empty (CSV) or absent
/// (JSONL) on the other rows. Per-block columns end in `_l1`, `_l2`, … (hidden layer number);
/// the tap they read is the block's input before the norm (the weight layer's output when the
/// block has no norm). Column meanings are in README.md ("Metrics files").
public struct MetricsExport: Sendable {
  public enum Format: Sendable { case csv, jsonl }

  /// Columns that do not depend on the number of layers.
  public static let fixedColumns = [
    "step", "variant", "loss", "loss_smooth", "accuracy", "lr", "batch", "diverged", "val_loss", "val_accuracy",
    "p15", "p50", "p85", "train_eval_logit_gap", "train_eval_kl", "acc_train_mode", "acc_eval_mode",
    "single_acc_train_mode", "single_acc_eval_mode", "loss_variation", "grad_predictiveness", "beta_smoothness",
  ]
  /// Per-block column stems.
  public static let blockStems = [
    "mean", "std", "shift_w1", "drift_since_mark", "grad_norm", "weight_norm", "ics_l2", "ics_cos", "gamma_mean",
    "beta_mean", "bn_mean_gap", "bn_var_ratio",
  ]

  /// Per-block, per-place column stems: `p15_l2_after_norm`, `median_unit_drift_l2_after_norm`.
  /// Pooled over the layer's units, and for the median unit by spread (``UnitStatistics``).
  public static let placeStems = [
    "p15", "p50", "p85", "drift", "median_unit", "median_unit_p15", "median_unit_p50", "median_unit_p85",
    "median_unit_drift",
  ]

  public private(set) var rows: [[String: String]] = []
  public let columns: [String]

  public init(blocks: Int) {
    let layers = 1...max(blocks, 1)
    var names = Self.fixedColumns
    for b in layers { names += Self.blockStems.map { "\($0)_l\(b)" } }
    for b in layers {
      for place in Tap.Kind.allCases { names += Self.placeStems.map { "\($0)_l\(b)_\(place.word)" } }
    }
    columns = names
  }

  public init(for experiment: Experiment) {
    self.init(blocks: experiment.variants.map { $0.record.blocks.count }.max() ?? 1)
  }

  /// Appends the rows of the experiment's current step (call after every `advance`).
  public mutating func capture(_ e: Experiment) {
    let s = e.step
    for v in e.variants where v.record.loss.lastStep == s {
      rows.append(Self.row(v.record, name: v.name, step: s, batch: e.batchSize))
    }
  }

  /// Appends every row the experiment's records still hold, step by step (variants in order): what ``capture(_:)`` would have written after each step so far (the live app's
  /// "metrics so far"). A series keeps every point up to its capacity (20,000) and thins the
  /// older ones after that (see ``Series``), so past that length early rows are sparser; a
  /// run that must keep every row streams them with ``capture(_:)`` (`train --metrics`).
  /// The batch column is the batch each step trained with (from the experiment's events).
  public mutating func captureHistory(_ e: Experiment) {
    let changes = e.events.compactMap { ev -> (step: Int, batch: Int)? in
      if case .batchSize(let b) = ev.kind { return (ev.step, b) }
      return nil
    }
    func batch(at s: Int) -> Int { changes.last { $0.step < s }?.batch ?? e.config.batchSize }
    // Step by step, and the variants in order within a step, as `capture` streams them.
    let perVariant = e.variants.map { Set(Self.steps(of: $0.record)) }
    // Rows start at step 1, as streamed (the instruments' step-0 sample has no training row).
    for s in perVariant.reduce(into: Set<Int>(), { $0.formUnion($1) }).sorted() where s >= 1 {
      for (v, steps) in zip(e.variants, perVariant) where steps.contains(s) {
        rows.append(Self.row(v.record, name: v.name, step: s, batch: batch(at: s)))
      }
    }
  }

  /// Every step at which the record holds a value of the loss or of an instrument, in order.
  static func steps(of r: VariantRecord) -> [Int] {
    var all = Set(r.loss.steps)
    for series in [r.validationLoss, r.p15, r.trainEvalLogitGap, r.lossVariation, r.betaSmoothness] {
      all.formUnion(series.steps)
    }
    for series in r.mean.values { all.formUnion(series.steps) }
    for series in r.icsL2.values { all.formUnion(series.steps) }
    return all.sorted()
  }

  /// One variant's row at step `s`: every column whose series has a value at exactly `s`.
  static func row(_ r: VariantRecord, name: String, step s: Int, batch: Int) -> [String: String] {
    var row: [String: String] = ["step": "\(s)", "variant": name, "batch": "\(batch)"]
    row["diverged"] = r.divergedAt == s ? "1" : "0"
    func put(_ c: String, _ series: Series?) {
      if let x = series?.value(at: s) { row[c] = "\(x)" }
    }
    put("loss", r.loss)
    put("loss_smooth", r.lossSmoothed)
    put("accuracy", r.accuracy)
    put("lr", r.learningRate)
    put("val_loss", r.validationLoss)
    put("val_accuracy", r.validationAccuracy)
    put("p15", r.p15)
    put("p50", r.p50)
    put("p85", r.p85)
    put("train_eval_logit_gap", r.trainEvalLogitGap)
    put("train_eval_kl", r.trainEvalKL)
    put("acc_train_mode", r.trainModeAccuracy)
    put("acc_eval_mode", r.evalModeAccuracy)
    put("single_acc_train_mode", r.singleSampleTrainAccuracy)
    put("single_acc_eval_mode", r.singleSampleEvalAccuracy)
    put("loss_variation", r.lossVariation)
    put("grad_predictiveness", r.gradientPredictiveness)
    put("beta_smoothness", r.betaSmoothness)
    for b in r.blocks {
      let tap = Tap(block: b.number, kind: .normInput)
      let n = b.number
      put("mean_l\(n)", r.mean[tap])
      put("std_l\(n)", r.std[tap])
      put("shift_w1_l\(n)", r.shiftW1[tap])
      put("drift_since_mark_l\(n)", r.driftSinceMark[tap])
      put("grad_norm_l\(n)", r.gradientNorm[n])
      put("weight_norm_l\(n)", r.weightNorm[n])
      put("ics_l2_l\(n)", r.icsL2[n])
      put("ics_cos_l\(n)", r.icsCosine[n])
      put("gamma_mean_l\(n)", r.gammaMean[n])
      put("beta_mean_l\(n)", r.betaMean[n])
      put("bn_mean_gap_l\(n)", r.bnMeanGap[n])
      put("bn_var_ratio_l\(n)", r.bnVarianceRatio[n])
      for place in Tap.Kind.allCases {
        let t = Tap(block: n, kind: place)
        let suffix = "_l\(n)_\(place.word)"
        if let band = r.bandsByTap[t] {
          put("p15" + suffix, band.p15)
          put("p50" + suffix, band.p50)
          put("p85" + suffix, band.p85)
        }
        put("drift" + suffix, r.driftSinceMark[t])
        if let u = r.units[t], let m = u.medianUnit, let k = Series.index(of: s, in: u.steps) {
          row["median_unit" + suffix] = "\(m)"
          row["median_unit_p15" + suffix] = "\(u.p15[k][m])"
          row["median_unit_p50" + suffix] = "\(u.p50[k][m])"
          row["median_unit_p85" + suffix] = "\(u.p85[k][m])"
          row["median_unit_drift" + suffix] = "\(u.drift[k][m])"
        }
      }
    }
    return row
  }

  /// The whole table as text: ``header(_:)`` and every captured row.
  public func render(_ format: Format) -> String { header(format) + text(of: rows, format) }

  /// The CSV header line; empty for JSON Lines.
  public func header(_ format: Format) -> String { format == .csv ? columns.joined(separator: ",") + "\n" : "" }

  /// The rows captured since the last call, as text, which are then forgotten: a writer that
  /// streams to disk calls this after every step, so memory stays constant however long the run.
  public mutating func drain(_ format: Format) -> String {
    defer { rows.removeAll(keepingCapacity: true) }
    return text(of: rows, format)
  }

  func text(of rows: [[String: String]], _ format: Format) -> String {
    var out = ""
    switch format {
    case .csv:
      for r in rows { out += columns.map { csvField(r[$0] ?? "") }.joined(separator: ",") + "\n" }
    case .jsonl:
      for r in rows {
        let fields = columns.compactMap { c -> String? in
          guard let v = r[c] else { return nil }
          return jsonString(c) + ":" + (c == "variant" ? jsonString(v) : jsonNumber(v))
        }
        out += "{" + fields.joined(separator: ",") + "}\n"
      }
    }
    return out
  }

  func csvField(_ s: String) -> String {
    s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
      ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
  }

  /// Numbers as JSON; NaN and infinities (not valid JSON numbers) become null.
  func jsonNumber(_ s: String) -> String {
    guard let d = Double(s), d.isFinite else { return "null" }
    return s
  }

  func jsonString(_ s: String) -> String { JSONText.quoted(s) }
}

extension String {
  fileprivate func replacingOccurrences(of a: String, with b: String) -> String {
    var out = ""
    var rest = Substring(self)
    while let r = rest.range(of: a) {
      out += rest[..<r.lowerBound] + b
      rest = rest[r.upperBound...]
    }
    return out + rest
  }
}

extension Substring {
  fileprivate func range(of s: String) -> Range<Index>? {
    guard !s.isEmpty else { return nil }
    var i = startIndex
    while i < endIndex {
      if self[i...].hasPrefix(s) { return i..<index(i, offsetBy: s.count) }
      i = index(after: i)
    }
    return nil
  }
}
