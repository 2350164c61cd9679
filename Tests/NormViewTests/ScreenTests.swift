import NormLab
import NormView
import Testing

/// Issue 14, the remaining items: every panel shows every variant's data at 80×24, 120×40 and
/// 200×60 (one variant at a time, switched with `v`, where a panel cannot fit them all); golden
/// screens of every panel and the help overlay at those sizes; no label cut inside a word where
/// an abbreviation fits; decision-surface classes that are not variant colours and read without
/// colour.
@Suite("Screens (issue 14)")
struct ScreenTests {
  static let sizes = [(80, 24), (120, 40), (200, 60)]
  /// The four variants of ``Fixture/state(theme:surfaces:four:)`` with `four: true`.
  static let names = ["plain", "bn", "hot", "gn"]

  /// Four variants on 2-D data (so the decision surface is a panel too).
  static func four(_ theme: Theme = Theme(colors: .ansi256, glyphs: .braille)) -> DashboardState {
    Fixture.state(theme: theme, surfaces: true, four: true)
  }

  /// The inside of the focused panel (the heavy box `┏━┓ ┃ ┗━┛`, or `#=#` in ASCII): its rows
  /// between the borders, title row excluded.
  /// With `title`, the heavy box whose title starts so (the help overlay: "keys").
  static func focusedPanel(_ text: String, ascii: Bool = false, title: String? = nil) -> String? {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
    let (corner, h, side): (Character, Character, Character) = ascii ? ("#", "=", "#") : ("┏", "━", "┃")
    let head = Array("\(corner)\(h) " + (title ?? ""))
    for (y, line) in lines.enumerated() {
      guard let x0 = line.indices.first(where: { line[$0...].starts(with: head) }) else { continue }
      guard let x1 = line[(x0 + 1)...].firstIndex(where: { $0 == (ascii ? "#" : "┓") }) else { continue }
      var rows = [String]()
      for l in lines[(y + 1)...] {
        // The bottom border: a corner followed by the heavy line.
        guard l.count > x1, l[x0] == side || l[x0] == (ascii ? "#" : "┗"), l[x0 + 1] != h else { break }
        rows.append(String(l[(x0 + 1)..<x1]))
      }
      return rows.joined(separator: "\n")
    }
    return nil
  }

  /// The numbers a learner must find in a panel of ``four()`` showing `variants` (indices).
  static func expectedNumbers(_ p: PanelKind, _ s: DashboardState, _ variants: [Int]) -> [String] {
    // Validation accuracy at step 300: plain 62.5 %, bn 90 %, hot 10 %, gn 85 % (alternatives
    // split by "|"); eval-mode accuracy on the probe: gn 90 %.
    let acc = ["62.5%|63%", "90.0%|90%", "10.0%|10%", "85.0%|85%"]
    switch p {
    case .loss: return variants.map { acc[$0] }
    case .divergence: return variants.map { "\(names[$0]) now \(["63%", "90%", "10%", "90%"][$0])" }
    case .histograms: return ["below|out |↕|^v"]
    case .heatmap: return ["step "]
    case .percentiles:
      // Each variant's median now (layer 3), as its legend or header prints it.
      return variants.map { formatNumber(Double(s.records[$0].bands[3]!.p50.last!), digits: 2) }
    case .drift:
      return variants.map { formatNumber(Double(s.records[$0].driftSinceMark[Tap(block: 3, kind: .normInput)]!.last!)) }
    case .surface: return ["A", "B", "C"]
    case .sweep: return []
    }
  }

  /// Every panel, in the grid and zoomed, at every size, as `v` cycles: each view names either
  /// every variant, or the one it shows as `(k/4)` with the key to switch; over the cycle every
  /// variant is shown with its numbers.
  /// Also with a scene's caption taking rows from the panels (the tour at 80x24).
  @Test("every panel shows every variant's data at 80x24, 120x40 and 200x60", arguments: sizes)
  func everyVariantEverywhere(width: Int, height: Int) {
    for (ascii, caption) in [(false, false), (true, false), (false, true)] {
      let theme = ascii ? Theme(colors: .mono, glyphs: .ascii) : Theme(colors: .ansi256, glyphs: .braille)
      var s = Self.four(theme)
      if caption {
        s.captionHeading = "1 · Two networks"
        s.caption =
          "Two copies of the same network start from identical weights and train on identical batches; the "
          + "second (bn) normalizes every hidden layer with batch norm. Press ? for the keys, space to pause."
      }
      for p in s.panels {
        for zoomed in [false, true] {
          s.focus = p
          s.zoomed = zoomed
          var seen = Set<String>()
          for k in 0..<4 {
            s.shownVariant = k
            let text = Screenshot.text(Dashboard.render(s, width: width, height: height))
            let what =
              "\(p) at \(width)x\(height)\(zoomed ? " zoomed" : "")\(ascii ? " ascii" : "")\(caption ? " caption" : "")"
            guard let inside = Self.focusedPanel(text, ascii: ascii) else {
              Issue.record("\(what): no focused panel\n\(text)")
              continue
            }
            // The loss legend names variants by marker (with the loss now) when short of room.
            let named = Self.names.indices.filter {
              inside.contains(theme.marker($0) + " " + (p == .loss ? "" : Self.names[$0]))
            }
            if named.count == 4 {
              seen.formUnion(Self.names)
              for n in Self.expectedNumbers(p, s, Array(0..<4)) {
                #expect(n.split(separator: "|").contains { inside.contains($0) }, "\(what): \(n)\n\(inside)")
              }
            } else {
              // One variant: the k-th, said so, with the key.
              #expect(named == [k], "\(what), v pressed \(k) times: shows \(named)\n\(inside)")
              #expect(inside.contains("(\(k + 1)/4)"), "\(what): says which variant of four\n\(inside)")
              #expect(inside.contains("v: next variant") || inside.contains("v next"), "\(what): the key\n\(inside)")
              named.forEach { seen.insert(Self.names[$0]) }
              for n in Self.expectedNumbers(p, s, [k]) {
                #expect(n.split(separator: "|").contains { inside.contains($0) }, "\(what): \(n)\n\(inside)")
              }
            }
          }
          #expect(seen == Set(Self.names), "\(p) at \(width)x\(height): every variant shown over the cycle")
        }
      }
    }
  }

  /// Every panel focused and zoomed, the help overlay at its top and scrolled to its end, with
  /// four variants, at each size, as one flip-book per size (and one in ASCII without colour).
  @Test("golden screens of every panel and the help overlay at 80x24, 120x40 and 200x60", arguments: sizes)
  func goldenScreens(width: Int, height: Int) {
    for ascii in [false, true] {
      let theme = ascii ? Theme(colors: .mono, glyphs: .ascii) : Theme(colors: .ansi256, glyphs: .braille)
      var s = Self.four(theme)
      var frames = [(String, Buffer)]()
      for p in s.panels {
        s.focus = p
        s.zoomed = false
        frames.append(("\(p)", Dashboard.render(s, width: width, height: height)))
        s.zoomed = true
        frames.append(("\(p) zoomed", Dashboard.render(s, width: width, height: height)))
      }
      s.zoomed = false
      s.focus = .loss
      s.shownVariant = 1
      frames.append(("v pressed once: bn", Dashboard.render(s, width: width, height: height)))
      s.showHelp = true
      frames.append(("help", Dashboard.render(s, width: width, height: height)))
      s.helpScroll = 1_000
      frames.append(("help scrolled to the end", Dashboard.render(s, width: width, height: height)))
      let book = Screenshot.flipBook(frames)
      expectGolden(book, "screens-\(width)x\(height)\(ascii ? "-ascii" : "").txt")
      // What a learner must see, beyond byte equality: every variant named on every frame but
      // the help and a zoomed panel that shows one variant (and says so: everyVariantEverywhere
      // checks those), and the key numbers (validation accuracy per variant) on the grid.
      for (label, b) in frames where !label.hasPrefix("help") {
        let text = Screenshot.text(b)
        let one = label.contains("zoomed") && text.contains("(1/4)")
        for (i, n) in Self.names.enumerated() where !one {
          #expect(text.contains(theme.marker(i) + " " + n), "\(label) at \(width)x\(height) names \(n)")
        }
        if !label.contains("zoomed") {
          for a in ["63%", "90%", "10%", "85%"] {
            #expect(
              text.contains(a) || text.contains(a.dropLast() + ".0%") || a == "63%" && text.contains("62.5%"),
              "\(label): val acc \(a)")
          }
        }
      }
    }
  }

  /// The help overlay at each size: every key's whole description can be read (wrapped, not
  /// cut), scrolling from the first line to the last note.
  @Test("the help overlay: every description whole at every size", arguments: sizes)
  func helpWhole(width: Int, height: Int) {
    for theme in [Theme(), Theme(colors: .mono, glyphs: .ascii)] {
      var s = Self.four(theme)
      s.showHelp = true
      var seen = ""
      for scroll in 0..<60 {
        s.helpScroll = scroll
        let text = Screenshot.text(Dashboard.render(s, width: width, height: height))
        guard let inside = Self.focusedPanel(text, ascii: theme.glyphs == .ascii, title: "keys") else {
          Issue.record("no help box at \(width)x\(height)\n\(text)")
          return
        }
        // The box's rows as one text (each row once: scrolling repeats them).
        for row in inside.split(separator: "\n") where !seen.contains(String(row)) { seen += String(row) + "\n" }
      }
      let words = seen.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
      for (key, help) in KeyBinding.helpItems(ascii: theme.glyphs == .ascii) {
        let line = help.split(separator: " ").joined(separator: " ")
        #expect(words.contains(line), "\(width)x\(height): the help for \(key) reads whole: \(line)")
      }
      #expect(words.contains("Train vs eval: how far"), "the last note is reached by scrolling")
    }
  }

  // MARK: truncation

  /// The word cut before each "…" on a screen (letters, digits and marks up to it).
  /// In ASCII a cut ends in `~` (the one-cell form of "…").
  static func cutWords(_ text: String, ellipsis: Character = "…") -> [String] {
    var out = [String]()
    let chars = Array(text)
    for (i, c) in chars.enumerated() where c == ellipsis {
      var j = i
      while j > 0, chars[j - 1].isLetter || chars[j - 1].isNumber || "-'′‖".contains(chars[j - 1]) { j -= 1 }
      if j < i { out.append(String(chars[j..<i])) }
    }
    return out
  }

  /// Every word drawn on the widest screens (each panel zoomed at 300x100, the help overlay):
  /// a label cut at a word boundary ends in one of these.
  static func vocabulary(_ s: DashboardState) -> Set<String> {
    var s = s
    var text = ""
    for p in s.panels {
      s.focus = p
      s.zoomed = true
      text += Screenshot.text(Dashboard.render(s, width: 300, height: 100))
    }
    s.zoomed = false
    s.showHelp = true
    text += Screenshot.text(Dashboard.render(s, width: 300, height: 100))
    text += s.title
    return Set(text.split(whereSeparator: { !($0.isLetter || $0.isNumber || "-'′‖".contains($0)) }).map(String.init))
  }

  @Test(
    "no label is cut inside a word where an abbreviation fits (80, 120, 200 columns, 3 and 4 variants)",
    arguments: sizes)
  func noMidWordCuts(width: Int, height: Int) {
    for (four, ascii) in [(false, false), (true, false), (true, true)] {
      var s = Fixture.state(
        theme: ascii ? Theme(colors: .mono, glyphs: .ascii) : Theme(), surfaces: true, four: four)
      s.title = "Small batches break BN; GroupNorm does not care"
      s.message = "inference in TRAIN mode: batch statistics, as if model.eval() was forgotten"
      let words = Self.vocabulary(s)
      for p in s.panels {
        for zoomed in [false, true] {
          for k in 0..<s.records.count {
            s.focus = p
            s.zoomed = zoomed
            s.shownVariant = k
            let text = Screenshot.text(Dashboard.render(s, width: width, height: height))
            let cut = Self.cutWords(text, ellipsis: ascii ? "~" : "…").filter { !words.contains($0) }
            #expect(cut.isEmpty, "\(p)\(zoomed ? " zoomed" : "") at \(width)x\(height): cut inside a word: \(cut)")
          }
        }
      }
    }
  }

  @Test("the labels issue 14 found cut read whole, or abbreviated, at 80, 120 and 200 columns", arguments: sizes)
  func namedCuts(width: Int, height: Int) {
    var s = Fixture.state(surfaces: true, four: true)
    s.title = "Small batches break BN; GroupNorm does not care"
    for p in s.panels {
      s.focus = p
      for zoomed in [false, true] {
        s.zoomed = zoomed
        let text = Screenshot.text(Dashboard.render(s, width: width, height: height))
        for bad in ["activa…", "colou…", "β-s…", "train-mode er…", "Small batches b…", "break B…"] {
          #expect(!text.contains(bad), "\(p) at \(width)x\(height): \(bad)")
        }
      }
    }
    s.focus = .loss
    s.zoomed = false
    let text = Screenshot.text(Dashboard.render(s, width: width, height: height))
    let status = String(text.split(separator: "\n")[0])
    // The scene title whole where it fits, else cut after a word.
    #expect(status.contains("Small batches break BN; GroupNorm does not care") || status.contains("Small batches…"))
  }

  @Test("truncating at a word boundary; the first form that fits")
  func wordTruncation() {
    #expect(Text.truncatedAtWord("Small batches break BN", to: 16) == "Small batches…")
    #expect(Text.truncatedAtWord("Small batches break BN", to: 22) == "Small batches break BN")
    #expect(Text.truncatedAtWord("loss range · β-smoothness", to: 14) == "loss range…")
    #expect(Text.truncatedAtWord("Unbreakableword here", to: 8) == "Unbreak…")
    // A long word (a path) that would leave a third of the room empty is cut inside.
    #expect(
      Text.truncatedAtWord("screenshot failed: cannot write /tmp/a/very/long/path/normscope-step0.txt", to: 48)
        == "screenshot failed: cannot write /tmp/a/very/lon…")
    #expect(Text.truncatedAtWord("anything", to: 0) == "")
    #expect(Text.firstFitting(["a long form", "short"], 6) == "short")
    #expect(Text.firstFitting(["a long form", "shorter form"], 8) == "shorter…")
    // The old cut, inside a word, is what truncated(_:to:) still does.
    #expect(Text.truncated("Small batches break BN", to: 16) == "Small batches b…")
  }

  @Test("a caption too long for its box ends after a whole word with …")
  func captionOverflow() {
    let text =
      "Without batch norm the last hidden layer's input drifts while the layers below it learn, "
      + "and with it the input holds still at mean zero and a steady spread over the whole run."
    for width in 20...60 {
      var b = Buffer(width: width, height: 3)
      Caption(text: text, theme: Theme()).render(b.area, into: &b)
      let last = Screenshot.text(b).split(separator: "\n").last.map(String.init) ?? ""
      #expect(last.hasSuffix("…"), "width \(width): \(last)")
      let cut = Self.cutWords(last)
      let words = Set(text.split(whereSeparator: { !$0.isLetter && $0 != "'" }).map(String.init))
      #expect(cut.allSatisfy { words.contains($0) }, "width \(width): cut inside a word: \(last)")
    }
  }

  // MARK: decision surface

  @Test("decision-surface classes: never a variant's colour, distinct glyphs, and a legend")
  func surfaceClasses() {
    for mode in [ColorMode.truecolor, .ansi256, .ansi8] {
      let t = Theme(colors: mode, glyphs: .braille)
      let variants = Set((0..<4).map { t.variant($0) })
      for k in 0..<16 {
        for bright in [false, true] {
          let c = DecisionSurfaceView.classColor(k, bright: bright, theme: t)
          #expect(
            !variants.contains(c), "\(mode): class \(k) \(bright ? "points" : "regions") \(c) is a variant's colour")
        }
      }
    }
    // Glyphs: one per class, none a variant's marker (braille or ASCII).
    let markers = Set((0..<4).flatMap { [Theme(glyphs: .ascii).marker($0), Theme().marker($0)] })
    let regions = (0..<16).map { DecisionSurfaceView.glyphs($0).region }
    let points = (0..<16).map { DecisionSurfaceView.glyphs($0).point }
    #expect(Set(regions).count == 16 && Set(points).count == 16 && Set(regions + points).count == 32)
    #expect(markers.isDisjoint(with: regions + points))
    // The legend names each class's glyphs, with colour and without.
    for (theme, want) in [(Theme(colors: .mono, glyphs: .braille), "class 0 a/A"), (Theme(), "class 0 █A")] {
      var b = Buffer(width: 80, height: 1)
      DecisionSurfaceView.drawClassLegend(classes: 3, theme: theme, row: b.area, into: &b)
      let row = Screenshot.text(b)
      #expect(row.contains(want) && row.contains("class 2"), "\(row)")
    }
    // On the dashboard, without colour: regions as letters, data points as capitals, the legend.
    var s = Self.four(Theme(colors: .mono, glyphs: .braille))
    s.focus = .surface
    s.zoomed = true
    let text = Screenshot.text(Dashboard.render(s, width: 120, height: 40))
    #expect(text.contains("class 0 a/A") && text.contains("class 1 b/B") && text.contains("class 2 c/C"))
    #expect(!text.contains("▀"), "no half blocks without colour")
    // The help overlay's marks explain the letters too.
    s.zoomed = false
    s.showHelp = true
    let help = Screenshot.text(Dashboard.render(s, width: 200, height: 60))
    let box = Self.focusedPanel(help, title: "keys") ?? ""
    let words = box.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
    #expect(words.contains("A B C = data points of class 0 1 2"), "\(words)")
  }

  // MARK: one variant at a time

  @Test("at 80x24 with four variants the histograms show one variant, say which, and v moves on")
  func oneAtATime() {
    var s = Self.four()
    let first = Screenshot.text(Dashboard.render(s, width: 80, height: 24))
    #expect(first.contains("● plain (1/4) · v: next variant"))
    s.shownVariant = 1
    let second = Screenshot.text(Dashboard.render(s, width: 80, height: 24))
    #expect(second.contains("■ bn (2/4) · v: next variant"))
    // Wrapping both ways.
    s.shownVariant = -1
    #expect(Screenshot.text(Dashboard.render(s, width: 80, height: 24)).contains("◆ gn (4/4)"))
    s.shownVariant = 4
    #expect(Screenshot.text(Dashboard.render(s, width: 80, height: 24)).contains("● plain (1/4)"))
    // Where every variant fits (200x60), no panel picks one.
    #expect(!Screenshot.text(Dashboard.render(s, width: 200, height: 60)).contains("v: next variant"))
  }
}

@Suite("Screens (issue 14): ASCII marks")
struct ASCIIMarkTests {
  @Test("in ASCII a diverged variant is X@N, never the fourth variant's marker x")
  func divergedMark() {
    let s = Fixture.state(theme: Theme(colors: .mono, glyphs: .ascii), four: true)
    let text = Screenshot.text(Dashboard.render(s, width: 120, height: 40))
    #expect(text.contains("o hot X@150"))
    #expect(!text.contains("x@150"))
    #expect(ASCII.label("✕@7") == "X@7")
  }
}
