import NormSupport
import NormView

/// The live app's `c`: records the screen as an asciicast v2 file (asciinema's format) from the
/// moment it is pressed until it is pressed again (or the app ends), each drawn frame an event
/// timed by the app's clock. The file, `normscope-N.cast` in the screenshot directory, is
/// written as frames are drawn, so whatever ends the app leaves a playable file. `--cast`
/// records a whole session from the start instead.
struct LiveCast {
  let path: String
  let file: AppendingFile
  var timeline: AsciicastTimeline
  private(set) var frames = 0

  /// Creates a new `normscope-N.cast` (never replacing a file) with its header.
  init(directory: String, width: Int, height: Int, colors: ColorMode) throws(SafeFileError) {
    let header = AsciicastEncoder.header(
      width: width, height: height, title: "NormScope live lab", env: AsciicastEncoder.environment(for: colors))
    path = try SafeFile.createUnique(
      directory: directory, base: "normscope", extension: "cast", contents: Array(header.utf8), alwaysNumbered: true)
    file = try AppendingFile(path: path)
    timeline = AsciicastTimeline(width: width, height: height)
  }

  /// Appends `frame`, drawn at `now`.
  mutating func record(_ frame: Buffer, at now: ContinuousClock.Instant) throws(SafeFileError) {
    try file.append(timeline.events(for: frame, at: now))
    frames += 1
  }

  /// The message for the end of a recording.
  var report: String { "cast: \(path) (\(frames) frames; play it with `asciinema play \(path)`)" }
}

extension LiveApp {
  /// `c`: starts recording the screen, or stops and says where the recording is.
  mutating func toggleCast() {
    if let c = cast {
      cast = nil
      flash(c.report, seconds: 8)
      return
    }
    do {
      cast = try LiveCast(
        directory: screenshotDir, width: term.width, height: term.height, colors: theme.colors)
      flash("recording the screen to \(cast!.path) (c again stops)", seconds: 6)
    } catch { flash("cast not started: \(error)", seconds: 8) }
  }

  /// Appends a drawn frame to the recording, if one runs; a write that fails stops it.
  mutating func recordCast(_ frame: Buffer) {
    guard cast != nil else { return }
    do { try cast!.record(frame, at: now()) } catch {
      cast = nil
      flash("cast stopped: \(error)", seconds: 8)
    }
  }
}
