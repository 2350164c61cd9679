/// What a key of the live app does. The app handles every case in one exhaustive switch, and
/// every case has exactly one place in ``KeyBinding/all``, so no key is documented without a
/// handler or handled without documentation.
public enum KeyAction: String, CaseIterable, Sendable {
  case pause, step, faster, slower, inferenceMode, inferenceBatchUp, inferenceBatchDown
  case lrUp, lrDown, batchUp, batchDown
  case nextPanel, previousPanel, zoom
  case layerDown, layerUp, layerNumber
  case nextVariant, previousVariant
  case glyphs, presenter, screenshot, record, writeScene, reset, sceneBrowser, experimentEditor
  case previousChapter, nextChapter, continueScene
  case quit, help, closeHelp
}

/// Keys (by name) that trigger one action. Names: a printable character stands for itself
/// (`q`, `+`, `?`), and `space`, `tab`, `shift-tab`, `enter`, `esc`, `left`, `right`, `up`,
/// `down` name the others.
public struct KeyTrigger: Sendable {
  public var keys: [String]
  public var action: KeyAction

  public init(_ keys: [String], _ action: KeyAction) {
    self.keys = keys
    self.action = action
  }
}

/// One row of the live app's keys: one line of the help overlay, one row of README's key
/// table, at most one item of the key bar, and the actions its keys trigger.
public struct KeyBinding: Sendable {
  /// The keys as the help overlay shows them, e.g. `+ / -`.
  public var label: String
  /// The same in plain ASCII, for ASCII glyphs (a non-UTF-8 locale).
  public var asciiLabel: String
  /// The help overlay's description.
  public var help: String
  /// The same in plain ASCII.
  public var asciiHelp: String
  /// README's description (the key table in "The live lab"; a test keeps them equal).
  public var readme: String
  /// The key bar's item (`key`, `action`) and its ASCII key, or nil when not in the bar.
  public var keyBar: (key: String, asciiKey: String, action: String)?
  public var triggers: [KeyTrigger]

  public init(
    _ label: String, ascii: String? = nil, help: String, asciiHelp: String? = nil, readme: String? = nil,
    bar: (key: String, action: String)? = nil, asciiBarKey: String? = nil, _ triggers: [KeyTrigger]
  ) {
    self.label = label
    self.asciiLabel = ascii ?? label
    self.help = help
    self.asciiHelp = asciiHelp ?? help
    self.readme = readme ?? help
    self.keyBar = bar.map { ($0.key, asciiBarKey ?? $0.key, $0.action) }
    self.triggers = triggers
  }

  public var inKeyBar: Bool { keyBar != nil }
  /// Every key name of the row.
  public var keys: [String] { triggers.flatMap(\.keys) }
  public var actions: [KeyAction] { triggers.map(\.action) }

  /// The live app's keys, in help order; the key bar keeps this order (its last two items,
  /// `q quit` and `? help`, are kept when the bar is too narrow).
  public static let all: [KeyBinding] = [
    KeyBinding("space", help: "pause / resume training", bar: ("space", "pause"), [KeyTrigger(["space"], .pause)]),
    KeyBinding(
      "n", help: "one step (pauses)", readme: "one step (pauses first)", bar: ("n", "step"),
      [KeyTrigger(["n"], .step)]),
    KeyBinding(
      "+ / -", help: "faster / slower (steps per frame)",
      readme: "faster / slower: 1, 2, 5 (default), 10, 20, 50 … 1000 steps per frame", bar: ("+/-", "speed"),
      [KeyTrigger(["+", "="], .faster), KeyTrigger(["-", "_"], .slower)]),
    KeyBinding(
      "e", help: "inference in eval or train mode (the forgotten model.eval())",
      readme: "inference views in eval or train mode: the \"forgot `model.eval()`\" contrast", bar: ("e", "eval/train"),
      [KeyTrigger(["e"], .inferenceMode)]),
    KeyBinding(
      "i / I", help: "train-mode inference batch ×2 / ÷2 (train vs eval panel)",
      asciiHelp: "train-mode inference batch x2 / /2 (train vs eval panel)",
      readme: "batch size of the train-mode inference the train-vs-eval panel shows, ×2 / ÷2 (default 4)",
      [KeyTrigger(["i"], .inferenceBatchUp), KeyTrigger(["I"], .inferenceBatchDown)]),
    KeyBinding(
      "l / L", help: "learning rate ×2 / ÷2", asciiHelp: "learning rate x2 / /2", bar: ("l/L", "lr"),
      [KeyTrigger(["l"], .lrUp), KeyTrigger(["L"], .lrDown)]),
    KeyBinding(
      "b / B", help: "batch size ×2 / ÷2", asciiHelp: "batch size x2 / /2", bar: ("b/B", "batch"),
      [KeyTrigger(["b"], .batchUp), KeyTrigger(["B"], .batchDown)]),
    KeyBinding(
      "tab / shift-tab", help: "next / previous panel", readme: "focus the next / previous panel",
      bar: ("tab", "panel"),
      [KeyTrigger(["tab"], .nextPanel), KeyTrigger(["shift-tab"], .previousPanel)]),
    KeyBinding(
      "z", help: "zoom the focused panel", readme: "zoom the focused panel (again to return)", bar: ("z", "zoom"),
      [KeyTrigger(["z"], .zoom)]),
    KeyBinding(
      "← → or 1-9", ascii: "<- -> or 1-9", help: "choose the hidden layer",
      readme: "choose the hidden layer the histograms, heatmap and percentiles show", bar: ("←→", "layer"),
      asciiBarKey: "<- ->",
      [
        KeyTrigger(["left", "down"], .layerDown), KeyTrigger(["right", "up"], .layerUp),
        KeyTrigger((1...9).map(String.init), .layerNumber),
      ]),
    KeyBinding(
      "v / V", help: "next / previous variant in panels that show one at a time",
      readme:
        "next / previous variant in the panels too small for every variant at once: they show one and say which (`■ bn (2/4) · v: next variant`)",
      [KeyTrigger(["v"], .nextVariant), KeyTrigger(["V"], .previousVariant)]),
    KeyBinding(
      "g", help: "glyphs: braille, blocks, ascii", readme: "glyphs: braille → blocks → ascii", bar: ("g", "glyphs"),
      [KeyTrigger(["g"], .glyphs)]),
    KeyBinding(
      "p", help: "presenter mode", readme: "presenter mode: no key bar, large centred captions", bar: ("p", "present"),
      [KeyTrigger(["p"], .presenter)]),
    KeyBinding(
      "s", help: "screenshot (.txt, .ansi, .svg, .html)",
      readme:
        "screenshot: `normscope-stepN.txt`, `.ansi`, `.svg` and `.html` in `--screenshot-dir` (default `.`), never overwriting",
      bar: ("s", "shot"), [KeyTrigger(["s"], .screenshot)]),
    KeyBinding(
      "R", help: "record: start, then save a .scene file",
      readme: "record: start, then `R` again saves `recording-N.scene` (plays back to the same state)",
      bar: ("R", "record"), [KeyTrigger(["R"], .record)]),
    KeyBinding(
      "w", help: "write the session from step 0 as a .scene file",
      readme:
        "write the whole session (settings and every change since step 0) as `recording-N.scene` in `--screenshot-dir`; it plays back to the same state",
      [KeyTrigger(["w"], .writeScene)]),
    KeyBinding(
      "r", help: "reset to step 0", readme: "reset to step 0 with the same seed", bar: ("r", "reset"),
      [KeyTrigger(["r"], .reset)]),
    KeyBinding(
      "[ / ]", help: "previous / next chapter (scenes)", readme: "previous / next chapter of a playing scene",
      [KeyTrigger(["["], .previousChapter), KeyTrigger(["]"], .nextChapter)]),
    KeyBinding(
      "o", help: "scene browser: the library; Enter plays one",
      readme:
        "scene browser: the built-in tour and `scenes/`, each with its claim, length and last verdict; ↑↓ choose, Enter plays it here, `/` types a scene file's path, Esc closes",
      [KeyTrigger(["o"], .sceneBrowser)]),
    KeyBinding(
      "m", help: "experiment editor: data, variants, optimizer; Enter applies",
      readme:
        "experiment editor: data, 1–4 variants (norm, its place, activation, depth, width, or spec text), optimizer, learning rate, batch, init, seed; Tab/↑↓ move, ←→ choose, type to edit, Enter applies (restarts at step 0), Esc cancels",
      [KeyTrigger(["m"], .experimentEditor)]),
    KeyBinding(
      "Enter", help: "continue a scene's caption or pause", readme: "continue past a scene's caption hold or `pause`",
      [KeyTrigger(["enter"], .continueScene)]),
    // Ctrl-C arrives as SIGINT, not as a key: the loop ends on the signal.
    KeyBinding("q or Ctrl-C", help: "quit", bar: ("q", "quit"), [KeyTrigger(["q", "Q"], .quit)]),
    KeyBinding(
      "? or Esc", help: "close this help", readme: "help overlay with every key and what each panel shows",
      bar: ("?", "help"), [KeyTrigger(["?"], .help), KeyTrigger(["esc"], .closeHelp)]),
  ]

  /// The action of a key name, if any.
  public static func action(for key: String) -> KeyAction? { actionByKey[key] }

  static let actionByKey: [String: KeyAction] = {
    var d = [String: KeyAction]()
    for b in all { for t in b.triggers { for k in t.keys { d[k] = t.action } } }
    return d
  }()

  /// The key bar's items, with ASCII keys when `ascii`.
  public static func keyBarItems(ascii: Bool = false) -> [(key: String, action: String)] {
    all.compactMap { b in b.keyBar.map { (ascii ? $0.asciiKey : $0.key, $0.action) } }
  }

  /// The help overlay's lines, in ASCII when `ascii`.
  public static func helpItems(ascii: Bool = false) -> [(key: String, action: String)] {
    all.map { ascii ? ($0.asciiLabel, $0.asciiHelp) : ($0.label, $0.help) }
  }

  /// One line for `normscope live --help`: every row as `keys what`, joined by ` · `.
  public static var summary: String {
    all.map { "\($0.label) \($0.keyBar?.action ?? $0.help)" }.joined(separator: " · ")
  }
}
