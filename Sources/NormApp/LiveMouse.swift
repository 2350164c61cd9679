import NormLab
import NormView

/// The mouse in the live app. Every gesture does what a key does, found through the layout of
/// the frame on screen (``DashboardLayout``, the one `Dashboard.render` drew):
///
/// - a left click on a panel focuses it (as `tab` does); a double click zooms it or returns
///   (as `z`);
/// - the wheel over the layer histograms, the heatmap or the percentiles chooses the layer
///   (up: the next, down: the previous, as `→`/`←`);
/// - the wheel anywhere over the help overlay scrolls it, and over the scene browser moves
///   the choice (as `↑`/`↓`);
/// - a left click on a key-bar item presses its key (for `a/b` items, the half clicked; the
///   action word presses the first), exactly as typing it would, overlays included.
///
/// Everything else does nothing: releases, other buttons, the status bar and caption, panel
/// gestures under an overlay, cells off the screen (a report from before a resize), and any
/// event before the first frame or between a resize and the next frame. While the experiment
/// editor (`m`) is open the mouse does nothing at all: the form takes every key, so a key-bar
/// click would type into a field, and the panels are under it.
extension LiveApp {
  /// Applies a mouse event; returns true to quit (a click on `q quit`).
  mutating func handleMouse(_ event: MouseEvent, _ s: DashboardState?) -> Bool {
    guard let layout, editor == nil else { return false }
    let e = clicks.classify(event, at: now())
    let leftPress = e.button == 1 && (e.kind == .press || e.kind == .doubleClick)
    let wheel: KeyAction? = e.kind == .wheelUp ? .layerUp : e.kind == .wheelDown ? .layerDown : nil
    switch layout.target(x: e.x, y: e.y) {
    case .key(let name):
      guard leftPress, let key = Self.key(named: name) else { return false }
      return handle(key, s)
    case .help:
      // The arrows' own scrolling: down further, up back.
      if let wheel { return perform(wheel, key: "", s) }
    case .browser:
      if let wheel { handleBrowser(wheel == .layerUp ? .up : .down) }
    case .panel(let kind):
      if let wheel, [.histograms, .heatmap, .percentiles].contains(kind) {
        chooseLayer(wheel, key: "", s)
      } else if leftPress {
        focusPanel(kind)
        if e.kind == .doubleClick { return perform(.zoom, key: "z", s) }
      }
    case .editor, .nothing: break
    }
    return false
  }

  /// Focuses `kind`, saying so as `tab` does.
  mutating func focusPanel(_ kind: PanelKind) {
    focus = kind
    flash("panel: \(kind.rawValue)")
  }

  /// The key a key-table name stands for (see ``KeyTrigger``): the inverse of ``keyName(_:)``.
  static func key(named name: String) -> Key? {
    let named: [String: Key] = [
      "space": .character(" "), "tab": .tab, "shift-tab": .backTab, "enter": .enter, "esc": .escape, "left": .left,
      "right": .right, "up": .up, "down": .down,
    ]
    if let k = named[name] { return k }
    return name.count == 1 ? .character(name.first!) : nil
  }
}
