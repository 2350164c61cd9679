// libFuzzer target: the scene language, parser and player. The input is a scene file (invalid
// UTF-8 is replaced). A rejected scene must have diagnostics inside the input with no control
// characters. An accepted scene is played headless as `normscope play --headless --flipbook`
// does, with the training bounded so an input stays fast: every `run N` runs at most 2 steps,
// `run until … within N` at most 2, `reestimate stats N` at most 2 batches, mini-batches hold
// at most 16 samples and the instruments' probe batch at most 16 (4 single samples). Flip-book
// frames (at most 8 per input) and screenshots (at most 2, in every export format) are rendered
// in memory at the scene's size (capped at 200×60; decision surfaces on a 24×12 grid), so hostile values reach the formatting and
// plotting code; nothing is written to disk.
import NormCore
import NormFuzzDriver
import NormLab
import NormScene
import NormSupport
import NormView

let maxSteps = 2
let maxBatch = 16
let maxFrames = 8
let maxScreenshots = 2

/// Every Unicode scalar below U+0020 except the line break, plus DEL and C1 controls.
func hasControl(_ s: String, allowingNewline: Bool) -> Bool {
  s.unicodeScalars.contains { u in
    (u.value < 0x20 && !(allowingNewline && u == "\n")) || (0x7F...0x9F).contains(u.value)
  }
}

final class MemorySink: ScenePlayerDelegate {
  let width: Int
  let height: Int
  let theme: Theme
  /// The flip-book, as `play --flipbook` builds it, with a small budget so that the budget path
  /// runs too; past `maxFrames` (or the budget) frames are counted, not rendered.
  var book = FlipBook(budget: 96 << 10)
  var screenshots = 0

  init(width: Int, height: Int, theme: Theme) {
    self.width = width
    self.height = height
    self.theme = theme
  }

  /// As `normscope play --headless` draws a frame (SceneLoader.state in Sources/normscope), with
  /// a coarser decision-surface grid (24×12, not 64×40: each cell is a forward pass).
  func render(_ p: ScenePlayer) -> Buffer {
    var s = DashboardState(
      experiment: p.experiment, title: Text.truncated(p.scene.title, to: 60), theme: theme,
      surfaceResolution: (24, 12))
    let v = p.view
    if let l = v.layer { s.selectedLayer = min(l, max(s.layerCount, 1)) }
    if let k = v.panel, s.panels.contains(k) { s.focus = k }
    s.zoomed = v.zoomed
    s.caption = v.caption
    s.captionHeading = v.chapter
    let b = Dashboard.render(s, width: width, height: height)
    check(b.width == width && b.height == height, "dashboard buffer of the wrong size")
    return b
  }

  func scenePlayer(_ player: ScenePlayer, finished statement: Statement) throws {
    if book.isFull || book.keptCount >= maxFrames { return book.skip() }
    book.append(
      label: "line \(statement.line), step \(player.experiment.step): \(statement.text)", buffer: render(player))
  }

  func scenePlayer(_ player: ScenePlayer, screenshot name: String) throws {
    check(!name.isEmpty && !name.contains("/") && !name.hasPrefix("."), "screenshot name is a path")
    guard screenshots < maxScreenshots else { return }
    screenshots += 1
    let b = render(player)
    let text = Screenshot.text(b)
    check(!hasControl(text, allowingNewline: true), "control character in a text screenshot")
    for format in ScreenshotFormat.allCases where format != .txt { _ = Screenshot.export(b, as: format) }
  }
}

/// The scene with its training bounded (see the file comment).
func bounded(_ scene: Scene) -> Scene {
  var s = scene
  s.batchSize = min(s.batchSize, maxBatch)
  s.instruments.probeSize = min(s.instruments.probeSize, maxBatch)
  s.instruments.singleSamples = min(s.instruments.singleSamples, 4)
  s.statements = scene.statements.map { st in
    var t = st
    switch st.kind {
    case .run(let n): t.kind = .run(min(n, maxSteps))
    case .runUntil(let e, let within, let source): t.kind = .runUntil(e, within: min(within, maxSteps), source: source)
    case .reestimateStatistics(let n, let vs): t.kind = .reestimateStatistics(batches: min(n, maxSteps), variants: vs)
    case .setBatch(let b): t.kind = .setBatch(min(b, maxBatch))
    case .sweep(var d, let source):
      // A few short runs: two rates, two seeds, one value of every other axis.
      d.steps = min(d.steps, maxSteps)
      d.checkEvery = max(1, min(d.checkEvery, d.steps))
      d.seedCount = min(d.seedCount, 2)
      d.learningRates = Array(d.learningRates.prefix(2))
      d.batchSizes = [min(d.batchSizes.first ?? 1, maxBatch)]
      d.initScales = Array(d.initScales.prefix(1))
      d.momenta = Array(d.momenta.prefix(1))
      d.weightDecays = Array(d.weightDecays.prefix(1))
      t.kind = .sweep(d, source: source)
    default: break
    }
    return t
  }
  return s
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScene(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard size <= 1_000_000 else { return 0 }  // `normscope` refuses larger scene files
  let text = String(decoding: UnsafeBufferPointer(start: data, count: data == nil ? 0 : size), as: UTF8.self)
  let scene: Scene
  do { scene = try SceneParser.parse(text, file: "fuzz.scene") } catch {
    let lines = text.textLines()
    check(!error.diagnostics.isEmpty, "rejected without a diagnostic")
    for d in error.diagnostics {
      check(d.line >= 1 && d.line <= max(lines.count, 1), "diagnostic line outside the input")
      let width = d.line <= lines.count ? lines[d.line - 1].count : 0
      check(d.column >= 1 && d.column <= width + 2, "diagnostic column outside its line")
      check(!d.message.isEmpty, "empty diagnostic")
      check(!hasControl(d.rendered, allowingNewline: true), "control character in a diagnostic")
    }
    check(!hasControl(error.description, allowingNewline: true), "control character in the error list")
    return 0
  }
  let glyphs = GlyphSet.allCases[size % GlyphSet.allCases.count]
  let colors = ColorMode.allCases[(size / 3) % ColorMode.allCases.count]
  let sink = MemorySink(
    width: min(scene.size.width, 200), height: min(scene.size.height, 60), theme: Theme(colors: colors, glyphs: glyphs))
  guard let player = try? ScenePlayer(scene: bounded(scene)) else { return 0 }
  do { try player.playToEnd(delegate: sink) } catch { fatalError("the in-memory sink never throws") }
  for r in player.results { check(!hasControl(r.rendered, allowingNewline: true), "control character in a result") }
  check(!hasControl(sink.book.contents, allowingNewline: true), "control character in the flip-book")
  return 0
}

@main enum Main {
  static func main() { fuzzMain(fuzzScene) }
}
