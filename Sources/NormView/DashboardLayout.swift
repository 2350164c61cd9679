import NormLab

/// Where ``Dashboard/render(_:width:height:)`` puts each part of the screen: the rectangles it
/// draws into, so that mouse clicks are tested against exactly what is on screen (one source
/// of geometry, no copy of the layout in the app). `Dashboard.render` draws from this value.
public struct DashboardLayout: Sendable, Equatable {
  /// A panel and the rectangle it was drawn in, border included.
  public struct PanelSlot: Sendable, Equatable {
    /// Which panel.
    public var kind: PanelKind
    /// Where, border included.
    public var rect: Rect
  }

  /// A clickable stretch of the key bar and the key (a name of ``KeyTrigger``) it presses.
  public struct KeyBarTarget: Sendable, Equatable {
    /// The cells (one row).
    public var rect: Rect
    /// The key's name in the key table (`space`, `+`, `q`).
    public var key: String
  }

  /// What is under a cell.
  public enum Target: Equatable, Sendable {
    /// A panel (its border and title included).
    case panel(PanelKind)
    /// An item of the key bar: pressing the key named.
    case key(String)
    /// The help overlay (it covers the panels while open).
    case help
    /// The scene browser (it covers the panels while open).
    case browser
    /// The experiment editor's form (it covers the panels while open).
    case editor
    /// The status bar, the caption, a cell outside the screen, or a screen too small to draw.
    case nothing
  }

  /// The screen's size.
  public var width: Int
  /// The screen's size.
  public var height: Int
  /// False when the screen is below the minimum and shows only "terminal too small".
  public var drawn: Bool
  /// The top row.
  public var statusBar = Rect(x: 0, y: 0, width: 0, height: 0)
  /// The area panels (and the overlays) share.
  public var main = Rect(x: 0, y: 0, width: 0, height: 0)
  /// The caption box (border included), when a scene shows a caption.
  public var caption: Rect? = nil
  /// The bottom row, nil in presenter mode (no key bar).
  public var keyBar: Rect? = nil
  /// The panels drawn (one when zoomed).
  public var panels: [PanelSlot] = []
  /// The key bar's clickable stretches; an `a/b` half comes before its whole item.
  public var keys: [KeyBarTarget] = []
  /// The help overlay covers ``main``.
  public var helpOpen = false
  /// The scene browser covers ``main``.
  public var browserOpen = false
  /// The experiment editor covers ``main`` (drawn last, over everything else).
  public var editorOpen = false

  /// What cell (`x`, `y`) shows; ``Target/nothing`` for any cell off the screen.
  public func target(x: Int, y: Int) -> Target {
    guard drawn, x >= 0, y >= 0, x < width, y < height else { return .nothing }
    if let k = keys.first(where: { $0.rect.contains(x: x, y: y) }) { return .key(k.key) }
    guard main.contains(x: x, y: y) else { return .nothing }
    if editorOpen { return .editor }
    if browserOpen { return .browser }
    if helpOpen { return .help }
    return panels.first { $0.rect.contains(x: x, y: y) }.map { .panel($0.kind) } ?? .nothing
  }
}

extension Rect {
  /// Whether cell (`x`, `y`) lies inside.
  public func contains(x: Int, y: Int) -> Bool { x >= self.x && x < right && y >= self.y && y < bottom }
}

extension Dashboard {
  /// The layout ``render(_:width:height:)`` draws `s` in at `width`x`height`: status bar,
  /// panels, caption, key bar (with each item's cells) and which overlay covers the panels.
  public static func layout(_ s: DashboardState, width: Int, height: Int) -> DashboardLayout {
    var l = DashboardLayout(width: width, height: height, drawn: width >= minimumWidth && height >= minimumHeight)
    guard l.drawn else { return l }
    var rows: [Constraint] = [.length(1), .fill(1)]
    if let text = captionText(s) {
      let maxRows = s.presenter ? 10 : 5
      let captionHeight =
        min(maxRows, Caption.height(of: s.theme.label(text), width: width - 4) + (s.presenter ? 2 : 0)) + 2
        + (s.captionNote == nil ? 0 : 1)
      rows.append(.length(captionHeight))
    }
    if !s.presenter { rows.append(.length(1)) }
    let parts = Layout.split(Rect(x: 0, y: 0, width: width, height: height), .vertical, rows)
    l.statusBar = parts[0]
    l.main = parts[1]
    if captionText(s) != nil { l.caption = parts[2] }
    if !s.presenter {
      let bar = parts.last!
      l.keyBar = bar
      l.keys = keyBarTargets(KeyHelpBar(bindings: KeyBinding.all, theme: s.theme), bar)
    }
    l.panels = slots(s, l.main).map { DashboardLayout.PanelSlot(kind: $0.0, rect: $0.1) }
    l.helpOpen = s.showHelp
    l.browserOpen = s.browser != nil
    l.editorOpen = s.editor != nil
    return l
  }

  /// The caption box's text (heading and caption), nil without a caption.
  static func captionText(_ s: DashboardState) -> String? {
    s.caption.map { (s.captionHeading.map { $0 + ": " } ?? "") + $0 }
  }

  /// The key bar's clickable stretches: a key written `a/b` (`+/-`, `l/L`) gives each of `a`
  /// and `b` the key of its own trigger; the rest of the item (its action word, the spaces
  /// around) presses the row's first key.
  /// The parts of a key-bar label that press different keys, as (column offset, width): split
  /// at `/` (`+/-`), else at spaces (`<- ->`), else one part per character (`←→`).
  static func keySegments(_ label: String) -> [(offset: Int, width: Int)] {
    let chars = Array(label)
    let separator: Character? = chars.contains("/") ? "/" : chars.contains(" ") ? " " : nil
    var out: [(offset: Int, width: Int)] = []
    var offset = 0
    var part = ""
    func close() {
      if !part.isEmpty { out.append((offset - Text.width(part), Text.width(part))) }
      part = ""
    }
    for c in chars {
      if c == separator {
        close()
        offset += Text.width(String(c))
        continue
      }
      part.append(c)
      offset += Text.width(String(c))
      if separator == nil { close() }
    }
    close()
    return out
  }

  static func keyBarTargets(_ bar: KeyHelpBar, _ area: Rect) -> [DashboardLayout.KeyBarTarget] {
    let rows = KeyBinding.all.filter(\.inKeyBar)
    var out = [DashboardLayout.KeyBarTarget]()
    for item in bar.itemRects(area) where rows.indices.contains(item.index) {
      let triggers = rows[item.index].triggers
      let label = bar.theme.label(bar.keys[item.index].key)
      let segments = keySegments(label)
      if segments.count > 1, segments.count <= triggers.count {
        for (i, seg) in segments.enumerated() {
          let r = Rect(x: item.rect.x + 1 + seg.offset, y: item.rect.y, width: seg.width, height: 1)
          out.append(.init(rect: r, key: triggers[i].keys[0]))
        }
      }
      out.append(.init(rect: item.rect, key: triggers[0].keys[0]))
    }
    return out
  }
}
