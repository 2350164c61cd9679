import NormLab
import NormView
import Testing

/// The mouse's pure parts: SGR reports, double clicks, and the layout clicks are tested
/// against (it must be the one the dashboard was drawn in).
@Suite struct MouseTests {
  @Test("SGR reports: presses, releases, buttons, wheel, modifiers, 1-based cells to 0-based")
  func sgrReports() {
    #expect(MouseEvent.sgr("0;10;5M") == MouseEvent(x: 9, y: 4, kind: .press, button: 1))
    #expect(MouseEvent.sgr("0;10;5m") == MouseEvent(x: 9, y: 4, kind: .release, button: 1))
    #expect(MouseEvent.sgr("1;1;1M") == MouseEvent(x: 0, y: 0, kind: .press, button: 2))
    #expect(MouseEvent.sgr("2;3;4M") == MouseEvent(x: 2, y: 3, kind: .press, button: 3))
    #expect(MouseEvent.sgr("64;7;8M") == MouseEvent(x: 6, y: 7, kind: .wheelUp, button: 0))
    #expect(MouseEvent.sgr("65;7;8M") == MouseEvent(x: 6, y: 7, kind: .wheelDown, button: 0))
    #expect(MouseEvent.sgr("4;2;2M")?.modifiers == .shift)
    #expect(MouseEvent.sgr("24;2;2M")?.modifiers == [.alt, .control])
    #expect(MouseEvent.sgr("80;2;2M") == MouseEvent(x: 1, y: 1, kind: .wheelUp, button: 0, modifiers: .control))
  }

  @Test("SGR reports beyond column 223 (where X10 reports end) and row 95")
  func wideColumns() {
    #expect(MouseEvent.sgr("0;224;1M")?.x == 223)
    #expect(MouseEvent.sgr("0;250;30M") == MouseEvent(x: 249, y: 29, kind: .press))
    #expect(MouseEvent.sgr("65;1000;400M") == MouseEvent(x: 999, y: 399, kind: .wheelDown, button: 0))
    let e = MouseEvent(x: 300, y: 120, kind: .press)
    #expect(e.sgrSequence == "\u{1B}[<0;301;121M")
    #expect(MouseEvent.sgr(e.sgrSequence.dropFirst(3)) == e)
    #expect(MouseEvent(x: .max, y: .min, kind: .press).sgrSequence == "\u{1B}[<0;999999;1M", "clamped, no overflow")
  }

  @Test("what an SGR report is not: motion, horizontal wheel, extra buttons, malformed, absurd numbers")
  func sgrRejects() {
    for body in [
      "32;10;5M", "35;10;5M", "66;1;1M", "67;1;1M", "128;1;1M", "3;1;1M", "0;0;5M", "0;5;0M", "0;10M", "0;10;5;1M",
      "0;10;5", "", "M", ";;M", "a;1;1M", "0;1;1X", "0;-1;1M", "0;99999999;1M", "0;1;1 M", "0;1;١M", "64;1;1m",
    ] {
      #expect(MouseEvent.sgr(body) == nil, "\(body)")
    }
  }

  @Test("every event's SGR report decodes to the event")
  func roundTrip() {
    let kinds: [MouseEvent.Kind] = [.press, .release, .wheelUp, .wheelDown]
    for kind in kinds {
      for button in [1, 2, 3] {
        let e = MouseEvent(
          x: 41, y: 7, kind: kind, button: kind == .wheelUp || kind == .wheelDown ? 0 : button, modifiers: [.shift])
        #expect(MouseEvent.sgr(e.sgrSequence.dropFirst(3)) == e)
      }
    }
  }

  @Test("a second press on the same cell within 400 ms is a double click; later, elsewhere or a third is not")
  func doubleClicks() {
    var t = ClickTracker()
    let t0 = ContinuousClock.now
    let press = MouseEvent(x: 5, y: 5, kind: .press)
    #expect(t.classify(press, at: t0).kind == .press)
    #expect(t.classify(MouseEvent(x: 5, y: 5, kind: .release), at: t0 + .milliseconds(50)).kind == .release)
    #expect(t.classify(press, at: t0 + .milliseconds(300)).kind == .doubleClick)
    #expect(t.classify(press, at: t0 + .milliseconds(350)).kind == .press, "a third press starts a new pair")
    #expect(t.classify(press, at: t0 + .milliseconds(800)).kind == .press, "450 ms later")
    #expect(t.classify(MouseEvent(x: 6, y: 5, kind: .press), at: t0 + .milliseconds(850)).kind == .press)
    #expect(t.classify(MouseEvent(x: 6, y: 5, kind: .press, button: 3), at: t0 + .milliseconds(860)).kind == .press)
    #expect(
      t.classify(MouseEvent(x: 6, y: 5, kind: .press, button: 3), at: t0 + .milliseconds(870)).kind == .doubleClick)
    #expect(t.classify(press, at: t0 + .milliseconds(900)).kind == .press)
    #expect(t.classify(MouseEvent(x: 5, y: 5, kind: .wheelUp, button: 0), at: t0 + .milliseconds(910)).kind == .wheelUp)
    #expect(t.classify(press, at: t0 + .milliseconds(920)).kind == .press, "a wheel notch between two presses")
  }

  /// The box corners a panel's border starts with (plain and focused).
  static let corners: Set<String> = ["┌", "┏"]

  @Test("the layout is where render drew: each panel's corner, each key-bar item's text, at 80x24 to 250x60")
  func layoutMatchesRender() throws {
    for (w, h) in [(80, 24), (120, 40), (140, 45), (160, 40), (250, 60)] {
      var s = Fixture.state()
      s.focus = .histograms
      let buffer = Dashboard.render(s, width: w, height: h)
      let layout = Dashboard.layout(s, width: w, height: h)
      #expect(layout.drawn)
      #expect(layout.panels.count == (w >= 150 && h - 2 >= 36 ? 6 : 4), "\(w)x\(h)")
      for slot in layout.panels {
        #expect(Self.corners.contains(buffer[slot.rect.x, slot.rect.y].symbol), "\(slot.kind) at \(w)x\(h)")
        #expect(layout.target(x: slot.rect.x + 3, y: slot.rect.y + 2) == .panel(slot.kind))
      }
      let bar = try #require(layout.keyBar)
      #expect(bar.y == h - 1)
      let row = (0..<w).map { buffer[$0, bar.y].symbol }
      let items = layout.keys.filter { $0.rect.width > 3 }
      #expect(items.count >= 4, "\(w)x\(h)")
      for item in items {
        let text = row[item.rect.x..<item.rect.right].joined()
        let binding = try #require(KeyBinding.all.first { $0.triggers.first?.keys.first == item.key })
        #expect(text.contains(binding.keyBar?.action ?? "?"), "\(item.key): \(text)")
      }
      #expect(layout.target(x: 1, y: bar.y) == .key("space"))
      #expect(layout.target(x: 2, y: 0) == .nothing, "the status bar")
    }
  }

  @Test("key-bar items written a/b press the half clicked; the rest of the item its first key")
  func halves() throws {
    let layout = Dashboard.layout(Fixture.state(), width: 160, height: 40)
    let y = 39
    let speed = try #require(layout.keys.first { $0.key == "+" && $0.rect.width > 1 })
    #expect(layout.target(x: speed.rect.x + 1, y: y) == .key("+"))
    #expect(layout.target(x: speed.rect.x + 3, y: y) == .key("-"))
    #expect(layout.target(x: speed.rect.right - 2, y: y) == .key("+"), "the action word")
    let lr = try #require(layout.keys.first { $0.key == "l" && $0.rect.width > 1 })
    #expect(layout.target(x: lr.rect.x + 3, y: y) == .key("L"))
    let keys = Set(layout.keys.map(\.key))
    #expect(keys.isSuperset(of: ["space", "n", "+", "-", "e", "l", "L", "b", "B", "tab", "z", "left", "q", "?"]))
  }

  @Test("cells off the screen, a screen too small, overlays and presenter mode")
  func targets() {
    var s = Fixture.state()
    let layout = Dashboard.layout(s, width: 120, height: 40)
    for (x, y) in [(-1, 5), (5, -1), (120, 5), (5, 40), (Int.max, Int.max), (Int.min, 0), (10_000, 10_000)] {
      #expect(layout.target(x: x, y: y) == .nothing, "\(x),\(y)")
    }
    let small = Dashboard.layout(s, width: 60, height: 20)
    #expect(!small.drawn && small.panels.isEmpty && small.keys.isEmpty)
    #expect(small.target(x: 10, y: 10) == .nothing)
    s.showHelp = true
    let help = Dashboard.layout(s, width: 120, height: 40)
    #expect(help.target(x: 90, y: 5) == .help)
    #expect(help.target(x: 1, y: 39) == .key("space"), "the key bar stays clickable under help")
    s.showHelp = false
    s.browser = SceneBrowser(items: [], selected: 0, theme: s.theme)
    #expect(Dashboard.layout(s, width: 120, height: 40).target(x: 90, y: 5) == .browser)
    s.browser = nil
    s.presenter = true
    let presenter = Dashboard.layout(s, width: 120, height: 40)
    #expect(presenter.keyBar == nil && presenter.keys.isEmpty)
    #expect(presenter.target(x: 90, y: 39).isPanel, "panels reach the last row without a key bar")
  }

  @Test("a caption: the panels end above it, and a click on it is nothing")
  func caption() {
    var s = Fixture.state()
    s.caption = "Batch norm keeps each layer's inputs steady."
    let layout = Dashboard.layout(s, width: 120, height: 40)
    let caption = layout.caption!
    #expect(layout.panels.allSatisfy { $0.rect.bottom <= caption.y })
    #expect(layout.target(x: 10, y: caption.y + 1) == .nothing)
    let buffer = Dashboard.render(s, width: 120, height: 40)
    #expect(buffer[caption.x, caption.y].symbol == "┌")
  }
}

extension DashboardLayout.Target {
  var isPanel: Bool {
    if case .panel = self { return true }
    return false
  }
}
