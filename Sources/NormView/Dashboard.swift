import NormCore
import NormLab

/// Everything the dashboard draws, captured from an experiment between steps. A value: the
/// live app renders from snapshots while training continues elsewhere; tests and screenshots
/// build one directly.
public struct DashboardState: Sendable {
  public var title: String
  public var records: [VariantRecord]
  public var models: [String]
  public var dataName: String
  public var step: Int
  public var learningRate: Float
  public var batchSize: Int
  public var optimizer: String
  public var inferenceMode: Mode
  public var events: [Event]
  /// Decision surfaces per variant (2-D data only), in the inference mode.
  public var surfaces: [DecisionSurface?]
  public var theme: Theme
  public var selectedLayer = 1
  public var focus: PanelKind = .loss
  public var zoomed = false
  public var showHelp = false
  /// Lines the help overlay is scrolled by (↑↓ while it is open).
  public var helpScroll = 0
  public var presenter = false
  public var paused = false
  /// Training speed shown in the status bar (live app only).
  public var stepsPerFrame: Int? = nil
  /// Show wall-clock ms/step per variant (off in screenshots, which must be deterministic).
  public var showTiming = false
  public var captionHeading: String? = nil
  public var caption: String? = nil
  /// A scene's last sweep (the `sweep` panel's phase diagram; nil: no panel).
  public var sweep: SweepResults? = nil
  /// The scene browser (`o`), drawn over the panels while open.
  public var browser: SceneBrowser? = nil
  /// The experiment editor (`m`), drawn over the panels while open.
  public var editor: ExperimentForm? = nil
  /// A line under the caption: where its numbers come from (one seed, or mean ± sd over the
  /// scene's seeds) and how many claims hold over the seeds.
  public var captionNote: String? = nil
  /// A transient status message (the last change made).
  public var message: String? = nil
  /// Recording indicator (the scenes issue's R key).
  public var recording = false
  /// A played scene's end, kept in the status bar once it is reached ("scene finished: 3
  /// passed, 0 failed"): the message saying it is gone after a few seconds.
  public var sceneEnd: String? = nil
  /// Batch size of the train-mode inference the train-vs-eval panel shows (`i`/`I`).
  public var inferenceBatch = 4
  /// Seconds left in a scene caption's hold (training waits), nil when not holding.
  public var holdingSeconds: Double? = nil
  /// What the percentile panel shows: the place, and one unit or all pooled.
  public var percentileWhat = "activation input"
  /// The variant shown by panels too small for every variant at once (`v`/`V`); they say which
  /// ("■ bn (2/4) · v: next variant"). Taken modulo the number of variants.
  public var shownVariant = 0

  /// Captures the experiment's current state.
  public init(
    experiment e: Experiment, title: String = "NormScope", theme: Theme, surfaceResolution: (Int, Int) = (64, 40)
  ) {
    self.init(
      title: title, records: e.variants.map(\.record), models: e.variants.map(\.spec.source),
      dataName: e.config.data.name, step: e.step, learningRate: e.learningRate, batchSize: e.batchSize,
      optimizer: e.variants[0].trainer.optimizer.settings.kind.rawValue, inferenceMode: e.inferenceMode,
      events: e.events,
      surfaces: e.variants.indices.map { i in
        (try? e.decisionSurface(variant: i, columns: surfaceResolution.0, rows: surfaceResolution.1)) ?? nil
      }, theme: theme)
    percentileWhat = Self.percentileWhat(e.instruments)
    inferenceBatch = e.instruments.inferenceBatch
  }

  /// "activation input", "after norm, unit 37", "activation input, median unit".
  static func percentileWhat(_ s: InstrumentSettings) -> String {
    let place = s.percentileTap.rawValue
    switch s.percentileUnit {
    case nil: return place
    case .number(let n): return "\(place), unit \(n)"
    case .median: return "\(place), median unit"
    }
  }

  /// A state from records made elsewhere (tests build them by hand). The selected layer is the
  /// last hidden layer, as for an experiment.
  public init(
    title: String = "NormScope", records: [VariantRecord], models: [String], dataName: String, step: Int,
    learningRate: Float, batchSize: Int, optimizer: String, inferenceMode: Mode = .eval, events: [Event] = [],
    surfaces: [DecisionSurface?] = [], theme: Theme
  ) {
    self.title = title
    self.records = records
    self.models = models
    self.dataName = dataName
    self.step = step
    self.learningRate = learningRate
    self.batchSize = batchSize
    self.optimizer = optimizer
    self.inferenceMode = inferenceMode
    self.events = events
    self.surfaces = surfaces
    self.theme = theme
    selectedLayer = records.map { $0.blocks.count }.max() ?? 1
  }

  /// Panels available for this state (the decision surface only for 2-D data).
  public var panels: [PanelKind] {
    PanelKind.allCases.filter {
      ($0 != .surface || surfaces.contains { $0 != nil }) && ($0 != .sweep || sweep != nil)
    }
  }

  /// Number of hidden layers (the largest over variants).
  public var layerCount: Int { records.map { $0.blocks.count }.max() ?? 0 }

  /// ``shownVariant`` as an index of ``records`` (0 when there are none).
  public var shownVariantIndex: Int {
    records.isEmpty ? 0 : ((shownVariant % records.count) + records.count) % records.count
  }
}

/// The live app's key-bar items, from ``KeyBinding/all`` (README's key table is checked against it).
public let dashboardKeys: [(key: String, action: String)] = KeyBinding.keyBarItems()

/// The keys with full descriptions, for the help overlay, from ``KeyBinding/all``.
public let dashboardKeyHelp: [(key: String, action: String)] = KeyBinding.helpItems()

/// Renders a ``DashboardState`` into a buffer of any size from 80×24 up; below that it draws a
/// "terminal too small" screen.
public enum Dashboard {
  public static let minimumWidth = 80
  public static let minimumHeight = 24

  public static func render(_ s: DashboardState, width: Int, height: Int) -> Buffer {
    renderWithLayout(s, width: width, height: height).buffer
  }

  /// ``render(_:width:height:)`` and the layout it drew with (the live app's mouse hit testing).
  public static func renderWithLayout(_ s: DashboardState, width: Int, height: Int) -> (
    buffer: Buffer, layout: DashboardLayout
  ) {
    var buf = Buffer(width: width, height: height)
    let t = s.theme
    buf.asciiOnly = t.glyphs == .ascii
    guard width >= minimumWidth, height >= minimumHeight else {
      let lines = [
        "terminal too small: need \(minimumWidth)x\(minimumHeight)", "this one is \(width)x\(height)",
        "enlarge the window, or press q to quit",
      ]
      let y0 = max(0, height / 2 - 1)
      for (i, l) in lines.enumerated() where y0 + i < height {
        let fitted = Text.truncatedAtWord(l, to: width)
        buf.write(fitted, max(0, (width - Text.width(fitted)) / 2), y0 + i, i == 0 ? t.warning : t.text)
      }
      return (buf, layout(s, width: width, height: height))
    }
    // Every rectangle comes from the layout, which mouse hit testing uses too.
    let layout = layout(s, width: width, height: height)
    statusBar(s, layout.statusBar, &buf)
    let main = layout.main
    if let captionText = captionText(s), let r = layout.caption {
      Panel(title: s.captionHeading ?? "caption", theme: t).render(r, into: &buf)
      var body = r.inset(1)
      if let note = s.captionNote, body.height >= 2 {
        body.height -= 1
        let fitted = Text.truncated(t.label(note), to: body.width)
        buf.write(fitted, body.x + max(0, body.width - Text.width(fitted)), body.y + body.height, t.dim)
      }
      Caption(text: s.caption ?? captionText, theme: t, presenter: s.presenter).render(body, into: &buf)
    }
    if let bar = layout.keyBar { KeyHelpBar(bindings: KeyBinding.all, theme: t).render(bar, into: &buf) }
    for slot in layout.panels { panel(slot.kind, s, slot.rect, &buf) }
    if s.showHelp {
      var help = HelpOverlay(bindings: KeyBinding.all, notes: glyphLegend(t) + helpNotes, theme: t)
      help.scroll = s.helpScroll
      help.render(main, into: &buf)
    }
    if var browser = s.browser {
      browser.theme = t
      browser.render(main, into: &buf)
    }
    if var editor = s.editor {
      editor.theme = t
      editor.render(main, into: &buf)
    }
    return (buf, layout)
  }

  static let helpNotes = [
    "Loss: training loss per variant (smoothed, log scale); the line below gives validation accuracy in eval mode.",
    "Layer inputs: histograms of the selected layer before the norm, after it and after the activation, on a fixed probe batch.",
    "Over time: the same layer's activation input as a density over training steps.",
    "Covariate shift: 15/50/85th percentiles of that input over time (BN paper, Figure 1).",
    "Drift & ICS: Wasserstein-1 drift since the start, gradient ICS (Santurkar et al.) and loss smoothness.",
    "Train vs eval: how far training-mode outputs (batch statistics) are from eval-mode ones (running averages).",
  ]

  /// What every mark on the dashboard means (the help overlay's first notes), in the theme's
  /// glyphs: markers, line patterns, the histogram's out-of-range and non-finite marks, the
  /// heatmap's shade ramp, and which direction of each smoothness number is good.
  static func glyphLegend(_ t: Theme) -> [String] {
    let markers = (0..<4).map { t.marker($0) }.joined(separator: " ")
    let solid = t.glyphs == .ascii ? "***" : "⠉⠉⠉"
    let dashed = t.glyphs == .ascii ? "* *" : "⠉ ⠉"
    return [
      "Marks: \(markers) variants 1-4 (in legends and on their lines); \(solid) solid line = loss or median, "
        + "\(dashed) dashed = p15/p85 band; ↕N = N values outside a histogram's range; ! = NaN or ±Inf values; "
        + "✕@N = diverged at step N; heatmap shades \(t.shades.joined()) = low to high density (see its scale); "
        + "decision regions: A B C = data points of class 0 1 2, a b c (or their colour) = the class predicted there.",
      "Smoothness: ICS ‖G−G′‖ (gradient change) and β-smoothness: lower is smoother; ICS cos: higher is steadier "
        + "(1 = same direction); loss range along −g: lower is smoother.",
    ]
  }

  /// Which panel goes where. The focused panel is always visible: in a layout with fewer slots
  /// than panels, it takes the place of its partner.
  static func slots(_ s: DashboardState, _ main: Rect) -> [(PanelKind, Rect)] {
    if s.zoomed { return [(s.focus, main)] }
    let wide = main.width >= 150 && main.height >= 36
    var order: [PanelKind] =
      wide
      ? [.loss, .histograms, .heatmap, .percentiles, .drift, .divergence]
      : [.loss, .histograms, .percentiles, .divergence]
    if !order.contains(s.focus) {
      // Below 150x36 the decision surface takes the percentiles' slot, beside the train-vs-eval
      // panel: the regions the inference mode draws next to its accuracies, and every variant
      // named on the screen.
      let partner: [PanelKind: PanelKind] = [
        .heatmap: .histograms, .drift: .percentiles, .surface: wide ? .heatmap : .percentiles,
        .sweep: wide ? .drift : .percentiles,
      ]
      if let p = partner[s.focus], let i = order.firstIndex(of: p) { order[i] = s.focus }
    }
    let cols = wide ? 3 : 2
    let rowRects = Layout.split(main, .vertical, [.fill(1), .fill(1)])
    var out = [(PanelKind, Rect)]()
    for (r, rowRect) in rowRects.enumerated() {
      let colRects = Layout.split(rowRect, .horizontal, Array(repeating: .fill(1), count: cols))
      for c in 0..<cols { out.append((order[r * cols + c], colRects[c])) }
    }
    return out
  }

  // MARK: status

  static func statusBar(_ s: DashboardState, _ r: Rect, _ buf: inout Buffer) {
    let t = s.theme
    // In order of importance: a narrow bar keeps the first ones (the title is cut to leave
    // room for the step, the run state and the inference mode).
    let titleRoom = max(12, r.width - 62)
    var fields: [(label: String, value: String, style: Style?)] = [
      ("", Text.truncatedAtWord(s.title, to: titleRoom), Style(attributes: .bold)),
      ("step", "\(s.step)", nil),
    ]
    if s.paused {
      fields.append(("", "paused", t.accent))
    } else if let left = s.holdingSeconds {
      // A caption holds the timeline: training waits, and Enter goes on.
      fields.append(("", "holding \(Int(left.rounded(.up)))s, Enter goes on", t.accent))
    }
    if let end = s.sceneEnd { fields.append(("", end, t.accent)) }
    fields.append(("inference", s.inferenceMode.rawValue, s.inferenceMode == .train ? t.warning : nil))
    fields.append(("lr", formatNumber(Double(s.learningRate)), nil))
    for r in s.records { if let d = r.divergedAt { fields.append(("", "\(r.name) diverged@\(d)", t.warning)) } }
    fields += [
      ("batch", "\(s.batchSize)", nil),
      ("", s.optimizer, nil),
    ]
    if s.recording { fields.append(("", "● REC", t.warning)) }
    if !s.paused, s.holdingSeconds == nil, let spf = s.stepsPerFrame {
      fields.append(("speed", "\(spf)/frame", nil))
    }
    for (i, r) in s.records.enumerated() where r.divergedAt == nil {
      if s.showTiming, r.secondsPerStep > 0 {
        fields.append(("", "\(r.name) \(formatNumber(r.secondsPerStep * 1000))ms", t.variantStyle(i)))
      }
    }
    // A message wider than the bar would blank it: cut it to fit (one space either side), with "…".
    // It takes at most three fifths of the bar, so the title, the step and the run state stay.
    let message = s.message.map { Text.truncatedAtWord($0, to: max(20, r.width * 3 / 5)) }.flatMap {
      $0.isEmpty ? nil : $0
    }
    StatusBar(fields: fields, message: message, theme: t).render(r, into: &buf)
  }

  // MARK: panels

  /// A panel's title, then shorter forms for narrow panels (longest first): a title is never
  /// cut inside a word where a meaningful abbreviation fits.
  static func titles(_ k: PanelKind, _ s: DashboardState) -> [String] {
    let l = s.selectedLayer
    switch k {
    case .loss:
      return [
        "Loss (training, smoothed, log scale)", "Loss (training, smoothed, log)", "Training loss (log scale)",
        "Training loss", "Loss",
      ]
    case .histograms:
      return [
        "Layer \(l) now: before norm · after norm · after activation",
        "Layer \(l) now: before norm · after norm · after act.", "Layer \(l) now: pre-norm · post-norm · post-act",
        "Layer \(l): pre-norm · post-norm · post-act", "Layer \(l) histograms", "Layer \(l) now", "Layer \(l)",
      ]
    case .heatmap:
      let density = s.theme.colors == .mono || s.theme.glyphs == .ascii ? "shade" : "colour"
      return [
        "Layer \(l) activation input over time (y = value, \(density) = density)",
        "Layer \(l) activation input over time (y value, \(density) density)",
        "Layer \(l) activation input over time", "Layer \(l) act. input over time", "Layer \(l) over time",
        "Layer \(l)",
      ]
    case .percentiles:
      let what = s.percentileWhat
      let short = what.hasPrefix("activation input") ? "act. input" + what.dropFirst(16) : what
      return [
        "Covariate shift: layer \(l) \(what) p15/p50/p85", "Covariate shift: layer \(l) \(short) p15/p50/p85",
        "Covariate shift: \(short) p15/p50/p85", "Covariate shift: \(short)", "Covariate shift p15/50/85",
        "Covariate shift", "Percentiles",
      ]
    case .drift:
      return [
        "Drift since start (W1), gradient ICS, smoothness", "Drift (W1), gradient ICS, smoothness",
        "Drift, ICS, smoothness", "Drift & ICS", "Drift",
      ]
    case .divergence:
      let b = s.inferenceBatch
      return [
        "Train vs eval mode: mean |Δlogit| in batches of \(b)", "Train vs eval: mean |Δlogit|, batches of \(b)",
        "Train vs eval: |Δlogit|, batch \(b)", "Train vs eval, batch \(b)", "Train vs eval",
      ]
    case .surface:
      let m = s.inferenceMode.rawValue
      return [
        "Decision regions (\(m) mode) and data", "Decision regions (\(m) mode)", "Regions (\(m) mode)", "Regions",
      ]
    case .sweep:
      let progress =
        s.sweep.map { $0.isComplete ? "(\($0.count) runs)" : "(\($0.count) of \($0.definition.cellCount) runs so far)" }
        ?? ""
      return [
        "Sweep: does each variant train? \(progress)", "Sweep: does each variant train?", "Sweep \(progress)", "Sweep",
      ]
    }
  }

  static func panel(_ k: PanelKind, _ s: DashboardState, _ r: Rect, _ buf: inout Buffer) {
    let t = s.theme
    let badge: String? =
      [.histograms, .heatmap, .percentiles].contains(k) && s.layerCount > 0
      ? "layer \(s.selectedLayer)/\(s.layerCount)" : nil
    let forms = titles(k, s)
    let p = Panel(
      title: forms[0], theme: t, focused: s.focus == k, badge: badge, shorterTitles: Array(forms.dropFirst()))
    p.render(r, into: &buf)
    let inner = p.inner(r).inset(left: 1, right: 1)
    guard inner.width > 4, inner.height > 2 else { return }
    switch k {
    case .loss: lossPanel(s, inner, &buf)
    case .histograms: histogramPanel(s, inner, &buf)
    case .heatmap: heatmapPanel(s, inner, &buf)
    case .percentiles: percentilePanel(s, inner, &buf)
    case .drift: driftPanel(s, inner, &buf)
    case .divergence: divergencePanel(s, inner, &buf)
    case .surface: surfacePanel(s, inner, &buf)
    case .sweep:
      if let r = s.sweep { PhaseDiagram(results: r, theme: t).render(inner, into: &buf) }
    }
  }

  static func lossPanel(_ s: DashboardState, _ r: Rect, _ buf: inout Buffer) {
    let t = s.theme
    let series = s.records.enumerated().map { i, rec in
      var line = LineChart.Series(
        label: rec.name, steps: rec.lossSmoothed.steps, values: rec.lossSmoothed.values, style: t.variantStyle(i),
        marker: i)
      // The loss now, or where the variant diverged; shorter: two digits.
      let last = rec.lossSmoothed.last.map(Double.init)
      line.legendValues =
        rec.divergedAt.map { ["✕@\($0)"] }
        ?? [last.map { formatNumber($0) } ?? "—", last.map { formatNumber($0, digits: 2) } ?? "—"]
      return line
    }
    var chart = LineChart(series: series, theme: t, logY: true)
    chart.legendPrefersValues = true
    chart.render(r.inset(bottom: 1), into: &buf)
    let entries = s.records.enumerated().map { i, rec in
      let acc = rec.validationAccuracy.last.map { fixed(Double($0) * 100, 1) + "%" } ?? "—"
      let short = rec.validationAccuracy.last.map { fixed(Double($0) * 100, 0) + "%" }
      return Legend.Entry(
        marker: i, name: rec.name, value: acc, shorterValues: short.map { [$0] } ?? [], style: t.variantStyle(i))
    }
    // "(eval)" only when the whole legend still fits beside it.
    let legend = Legend(entries: entries, theme: t, preferValues: true)
    let full = legend.layout(width: .max)
    let head = 15 + legend.total(full.texts, gap: 1) <= r.width ? "val acc (eval)" : "val acc"
    buf.write(head, r.x, r.bottom - 1, t.dim)
    let x = r.x + Text.width(head) + 1
    legend.render(
      Rect(x: x, y: r.bottom - 1, width: r.right - x, height: 1), into: &buf)
  }

  // MARK: one variant at a time

  /// The variants a panel shows: all of them when `fits`, else the one the `v` key chose.
  static func shown(_ s: DashboardState, fits: Bool) -> [Int] {
    fits || s.records.count <= 1 ? Array(s.records.indices) : [s.shownVariantIndex]
  }

  /// The row that names the one variant a panel shows and how to switch: `■ bn (2/4) · v: next
  /// variant`, with `values` (longest first) after the name where they fit. The longest form
  /// that fits `r`'s first row: the values shorten while the key hint stays, and only then does
  /// the hint shrink to the count.
  static func variantHeader(_ s: DashboardState, _ i: Int, values: [String] = [], _ r: Rect, _ buf: inout Buffer) {
    let t = s.theme
    let n = s.records.count
    let name = "\(t.marker(i)) \(s.records[i].name)"
    let hints = [
      " (\(i + 1)/\(n)) · v: next variant", " (\(i + 1)/\(n)) · v next", " (\(i + 1)/\(n))", " \(i + 1)/\(n)",
    ]
    // The values, shortening, with the key hint ("· v next"); then with the count alone; then
    // the name alone.
    let heads = values.map { t.label(name + " " + $0) }
    let forms =
      heads.flatMap { head in hints.prefix(2).map { (head, t.label($0)) } }
      + heads.flatMap { head in hints.dropFirst(2).map { (head, t.label($0)) } }
      + hints.map { (t.label(name), t.label($0)) }
    let (head, hint) =
      forms.first { Text.width($0.0) + Text.width($0.1) <= r.width }
      ?? (Text.truncatedAtWord(t.label(name), to: r.width), "")
    let x = buf.write(head, r.x, r.y, Style(foreground: t.variantStyle(i).foreground, attributes: .bold), clip: r)
    buf.write(hint, x, r.y, t.dim, clip: r)
  }

  static func histogramPanel(_ s: DashboardState, _ r: Rect, _ buf: inout Buffer) {
    let t = s.theme
    let kinds: [Tap.Kind] = [.normInput, .normOutput, .activationOutput]
    let long: [Tap.Kind: String] = [
      .normInput: "before norm", .normOutput: "after norm", .activationOutput: "after activation",
    ]
    let short: [Tap.Kind: String] = [.normInput: "pre-norm", .normOutput: "post-norm", .activationOutput: "post-act"]
    // Every variant in a row of its own needs four rows each (its label, two bar rows and the
    // axis) and a first column wide enough for its name with the place; otherwise one variant.
    let colWidth = (r.width - 2) / 3
    let longestName = s.records.map { Text.width(t.label("● \($0.name) · pre-norm")) }.max() ?? 0
    let all = r.height >= s.records.count * 4 && colWidth >= longestName
    let shown = shown(s, fits: all)
    var r = r
    if shown.count < s.records.count {
      variantHeader(s, shown[0], r, &buf)
      r = r.inset(top: 1)
    }
    // A footer for the axis marks when every variant shown keeps four rows.
    let footer = r.height > shown.count * 4
    r = footer ? r.inset(bottom: 1) : r
    if footer {
      let text = Text.firstFitting(
        [
          "↕N = outside range · ! = NaN/±Inf · bins/col = merged", "↕N outside range · ! NaN/±Inf · bins merged",
          "↕N outside · ! NaN/±Inf", "↕ outside · ! NaN",
        ].map(t.label), r.width)
      buf.write(text, r.x, r.bottom, t.dim)
    }
    let rowRects = Layout.split(r, .vertical, Array(repeating: .fill(1), count: max(shown.count, 1)))
    for (row, i) in shown.enumerated() {
      let rec = s.records[i]
      let rr = rowRects[row]
      let cols = Layout.split(rr, .horizontal, [.fill(1), .fill(1), .fill(1)], spacing: 1)
      for (c, kind) in kinds.enumerated() {
        let tap = Tap(block: s.selectedLayer, kind: kind)
        // The long place names when all three fit their columns, else the short ones; the
        // variant's name leads its row when every variant has one (a header names the one).
        let longestShown = shown.map { Text.width(t.label(s.records[$0].name)) }.max() ?? 0
        let longFits = zip(kinds, cols).allSatisfy { k, col in
          Text.width(t.label(long[k]!)) + (k == kinds[0] && shown.count > 1 ? longestShown + 5 : 0) <= col.width
        }
        let place = longFits ? long[kind]! : short[kind]!
        let forms =
          c == 0 && shown.count > 1 ? ["\(t.marker(i)) \(rec.name) · \(place)", "\(t.marker(i)) \(rec.name)"] : [place]
        buf.write(Text.firstFitting(forms.map(t.label), cols[c].width), cols[c].x, cols[c].y, t.variantStyle(i))
        let body = cols[c].inset(top: 1)
        if let h = rec.histograms[tap] {
          HistogramChart(histograms: [(h, t.variantStyle(i))], theme: t).render(body, into: &buf)
        } else {
          let why =
            s.selectedLayer > rec.blocks.count ? "no layer \(s.selectedLayer)" : kind == .normOutput ? "no norm" : "—"
          buf.write(Text.fit(why, body.width, align: .center), body.x, body.y + body.height / 2, t.dim)
        }
      }
    }
  }

  static func heatTap(_ rec: VariantRecord, _ layer: Int) -> Tap {
    let b = rec.blocks.first { $0.number == layer }
    return Tap(block: layer, kind: b?.activationLayer != nil ? .activationInput : .normInput)
  }

  static func heatmapPanel(_ s: DashboardState, _ r: Rect, _ buf: inout Buffer) {
    let t = s.theme
    // Every variant needs five rows (its name, three rows of map, the step axis) and the panel
    // one for a shared scale; otherwise the panel shows one variant, with its own scale.
    let shown = shown(s, fits: r.height - 1 >= 5 * s.records.count)
    let n = max(shown.count, 1)
    // Each variant's heatmap has its own scale row from six rows up; below that the panel's
    // last row holds one scale for all (its range: the highest bin count of the columns).
    let shared = r.height / n - 1 < 6 && r.height - 1 >= 4 * n && n > 1
    let body = shared ? r.inset(bottom: 1) : r
    let rowRects = Layout.split(body, .vertical, Array(repeating: .fill(1), count: n))
    var peaks = [Float]()
    for (row, i) in shown.enumerated() {
      let rec = s.records[i]
      let rr = rowRects[row]
      if shown.count < s.records.count {
        variantHeader(s, i, rr, &buf)
      } else {
        buf.write(
          Text.truncatedAtWord(t.label("\(t.marker(i)) \(rec.name)"), to: rr.width), rr.x, rr.y, t.variantStyle(i))
      }
      let snaps = rec.histogramHistory[heatTap(rec, s.selectedLayer)]?.elements ?? []
      var map = Heatmap(snapshots: snaps, steps: rec.histogramSteps.elements, theme: t)
      map.showScale = !shared
      map.render(rr.inset(top: 1), into: &buf)
      peaks += snaps.suffix(max(rr.width, 1)).map { Float($0.counts.max() ?? 0) }
    }
    if shared, !peaks.isEmpty {
      Heatmap.drawScale(
        theme: t, peaks: peaks, row: Rect(x: r.x, y: r.bottom - 1, width: r.width, height: 1), into: &buf)
    }
  }

  static func percentilePanel(_ s: DashboardState, _ r: Rect, _ buf: inout Buffer) {
    let t = s.theme
    // Three lines per variant: every variant when each keeps four rows of plot, else one.
    let shown = shown(s, fits: r.height >= 4 * s.records.count + 1)
    let bands = shown.compactMap { i -> PercentileBandChart.Band? in
      let rec = s.records[i]
      guard let b = rec.bands[s.selectedLayer] else { return nil }
      return .init(label: rec.name, p15: b.p15, p50: b.p50, p85: b.p85, style: t.variantStyle(i), marker: i)
    }
    guard shown.count < s.records.count else {
      PercentileBandChart(bands: bands, theme: t).render(r, into: &buf)
      return
    }
    // One variant: the header names it with its band now, and the chart has no legend.
    let values = bands.first.map { PercentileBandChart.legendValues($0) } ?? ["no percentiles yet"]
    variantHeader(s, shown[0], values: values, r.inset(left: 1), &buf)
    var chart = PercentileBandChart(bands: bands, theme: t)
    chart.showLegend = false
    chart.render(r.inset(top: 1), into: &buf)
  }

  static func driftPanel(_ s: DashboardState, _ r: Rect, _ buf: inout Buffer) {
    let t = s.theme
    func f(_ v: Float?) -> String { v.map { formatNumber(Double($0)) } ?? "—" }
    // Every variant: a table row per layer, a heading and a smoothness line per variant. When
    // that does not fit, one variant (named in a header row) and no variant column.
    let layers = s.records.reduce(0) { $0 + $1.blocks.count }
    let shown = shown(s, fits: layers + 3 + s.records.count <= r.height)
    let one = shown.count < s.records.count
    var r = r
    if one {
      variantHeader(s, shown[0], r, &buf)
      r = r.inset(top: 1)
    }
    var rows = [[String]]()
    var styles = [Style?]()
    for i in shown {
      let rec = s.records[i]
      for b in rec.blocks {
        let tap = Tap(block: b.number, kind: .normInput)
        let cells = [
          "\(b.number)", f(rec.driftSinceMark[tap]?.last), f(rec.shiftMean[tap]?.last), f(rec.icsL2[b.number]?.last),
          f(rec.icsCosine[b.number]?.last),
        ]
        rows.append(one ? cells : [b.number == 1 ? rec.name : ""] + cells)
        styles.append(
          b.number == s.selectedLayer
            ? Style(foreground: t.variantStyle(i).foreground, attributes: .bold) : t.variantStyle(i))
      }
    }
    let headers = [
      ["layer", "drift W1", "|Δμ|/σ", "ICS ‖G−G′‖", "ICS cos"], ["layer", "drift", "|Δμ|/σ", "‖G−G′‖", "cos"],
      ["L", "W1", "Δμ/σ", "‖ΔG‖", "cos"],
    ].map { one ? $0 : [$0[0] == "L" ? "var." : "variant"] + $0 }
    let tableHeight = min(r.height, rows.count + 1)
    var table = Table(header: headers[0], rows: rows, rowStyles: styles, theme: t)
    table.shorterHeaders = Array(headers.dropFirst())
    table.render(Rect(x: r.x, y: r.y, width: r.width, height: tableHeight), into: &buf)
    var y = r.y + tableHeight + (one ? 0 : 1)
    guard y < r.bottom else { return }
    let heading = Text.firstFitting(
      [
        "loss range · β-smoothness along −g, lower is smoother (η ∈ ½…4 × lr)",
        "loss range · β-smoothness along −g (lower is smoother)", "loss range · β-smoothness (lower: smoother)",
        "range · β-smoothness, lower: smoother", "range · β-smooth (lower: smoother)", "range · β, lower: smoother",
      ].map(t.label), r.width)
    buf.write(heading, r.x, y, t.dim, clip: r)
    y += 1
    for i in shown where y < r.bottom {
      let rec = s.records[i]
      buf.write(
        t.label("\(t.marker(i)) \(rec.name): \(f(rec.lossVariation.last)) · \(f(rec.betaSmoothness.last))"), r.x, y,
        t.variantStyle(i), clip: r)
      y += 1
    }
    if y < r.bottom {
      let footer = Text.firstFitting(
        [
          "‖G−G′‖, β, range: lower is smoother · cos: higher is steadier",
          "‖G−G′‖, β, range: lower is smoother · cos: higher steadier", "‖ΔG‖ β range: lower smoother · cos: higher",
          "lower is smoother · cos: higher", "lower: smoother",
        ].map(t.label), r.width)
      buf.write(footer, r.x, r.bottom - 1, t.dim, clip: r)
    }
  }

  static func divergencePanel(_ s: DashboardState, _ r: Rect, _ buf: inout Buffer) {
    let t = s.theme
    // Every variant's line comes first; then the line that explains them; the chart (four rows
    // at least) gets what is left, and none when that is less.
    let n = s.records.count
    let chartRows = r.height >= n + 5 ? r.height - n - 1 : r.height >= n + 4 ? r.height - n : 0
    let header = r.height - chartRows > n
    let textRows = min(r.height - chartRows, n + (header ? 1 : 0))
    // The gap in small batches: with the whole probe batch of 128, BN's batch statistics are
    // close to its running ones and the forgotten eval() hardly shows.
    let series = s.records.enumerated().map { i, rec in
      LineChart.Series(
        label: rec.name, steps: rec.smallBatchLogitGap.steps, values: rec.smallBatchLogitGap.values,
        style: t.variantStyle(i), marker: i)
    }
    // Short of room, the legend keeps the gaps and drops the names (the lines below name them).
    var chart = LineChart(series: series, theme: t)
    chart.legendPrefersValues = true
    if chartRows > 0 { chart.render(Rect(x: r.x, y: r.y, width: r.width, height: chartRows), into: &buf) }
    var y = r.y + chartRows
    guard textRows > 0 else { return }
    let b = s.inferenceBatch
    if header {
      buf.write(
        t.label(
          [
            "accuracy now (e: \(s.inferenceMode.rawValue)) · eval · train mode, batch \(b) · single train/eval",
            "now (e: \(s.inferenceMode.rawValue)) · eval · train mode, batch \(b) · single",
            "now (e: \(s.inferenceMode.rawValue)) · e eval · t train, batch \(b)",
          ].first { Text.width(t.label($0)) <= r.width } ?? "now · e eval · t train \(b)"),
        r.x, y, t.dim, clip: r)
      y += 1
    }
    // The longest form in which every variant's line fits: full, then shorter single-sample
    // words (twice), then no single samples, then one letter per mode (the same form on every line).
    let detail =
      (0...4).map { 4 - $0 }.first { d in
        s.records.indices.allSatisfy { Text.width(t.label(divergenceLine($0, s.records[$0], s, detail: d))) <= r.width }
      } ?? 0
    for (i, rec) in s.records.enumerated() where y < r.bottom {
      let line = t.label(divergenceLine(i, rec, s, detail: detail))
      buf.write(line, r.x, y, rec.singleSampleError != nil ? t.warning : t.variantStyle(i), clip: r)
      y += 1
    }
  }

  /// One variant's accuracies: the one the current inference mode gives first (what `e`
  /// changes), then eval, train mode in small batches, and one sample at a time.
  /// `detail` 4: everything; 3 and 2: shorter single-sample words (`single: train-mode error`,
  /// `single: train err`); 1: no single samples; 0: one letter per mode, for narrow panels
  /// (`● bn now 90% e 90% t 70%`).
  static func divergenceLine(_ i: Int, _ rec: VariantRecord, _ s: DashboardState, detail: Int = 4) -> String {
    func pct(_ v: Float?) -> String { v.map { $0.isNaN ? "err" : fixed(Double($0) * 100, 0) + "%" } ?? "—" }
    let eval = rec.evalModeAccuracy.last
    let small = rec.smallBatchTrainAccuracy.last
    let now = s.inferenceMode == .eval ? eval : small
    let head = "\(s.theme.marker(i)) \(rec.name) now \(pct(now))"
    if detail == 0 { return "\(head) e \(pct(eval)) t \(pct(small))" }
    var text = "\(head) · eval \(pct(eval)) · train \(pct(small))"
    guard detail >= 2 else { return text }
    if rec.singleSampleError != nil {
      text +=
        [" · single: train err", " · single: train-mode error", " · single: train-mode error (1 value per channel)"][
          min(detail, 4) - 2]
    } else {
      text += " · single \(pct(rec.singleSampleTrainAccuracy.last))/\(pct(rec.singleSampleEvalAccuracy.last))"
    }
    return text
  }

  static func surfacePanel(_ s: DashboardState, _ r: Rect, _ buf: inout Buffer) {
    let t = s.theme
    // Side by side while each map keeps 16 columns; otherwise one variant at a time.
    let count = s.surfaces.count
    let fits = count <= 1 || (r.width - (count - 1)) / count >= 16
    let shown = fits ? Array(s.surfaces.indices) : [min(s.shownVariantIndex, count - 1)]
    var r = r
    if !fits, shown[0] < s.records.count {
      variantHeader(s, shown[0], r, &buf)
      r = r.inset(top: 1)
    }
    // The last row: which glyph (and colour) is which class.
    let classes = s.surfaces.compactMap { $0?.classCount }.max() ?? 0
    if classes > 0, r.height > 4 {
      DecisionSurfaceView.drawClassLegend(
        classes: classes, theme: t, row: Rect(x: r.x, y: r.bottom - 1, width: r.width, height: 1), into: &buf)
      r = r.inset(bottom: 1)
    }
    let cols = Layout.split(r, .horizontal, Array(repeating: .fill(1), count: max(shown.count, 1)), spacing: 1)
    for (c, i) in shown.enumerated() {
      let surf = s.surfaces[i]
      var area = cols[c]
      if fits {
        let name = i < s.records.count ? s.records[i].name : "?"
        buf.write(
          Text.truncatedAtWord(t.label("\(t.marker(i)) \(name)"), to: area.width), area.x, area.y, t.variantStyle(i))
        area = area.inset(top: 1)
      }
      if let surf {
        DecisionSurfaceView(surface: surf, theme: t).render(area, into: &buf)
      } else {
        buf.write("needs 2-D data", area.x, area.y + 1, t.dim, clip: area)
      }
    }
  }
}
