import ArgumentParser
import Foundation
import NormApp
import NormScene
import NormSupport
import NormView

/// A file written as it goes (`--metrics`, `--cast`): created or truncated when opened, so an
/// unwritable path fails before any work, and every write goes straight to disk, so memory stays
/// constant and an interrupted run leaves a valid file up to its last write.
final class StreamFile {
  let fd: Int32
  let path: String

  init(path: String) throws {
    self.path = path
    // O_NOFOLLOW: a symbolic link planted at the path is refused, never written through.
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
    guard fd >= 0 else {
      let reason = errno == ELOOP ? "it is a symbolic link" : String(cString: strerror(errno))
      throw CleanExit.failure("cannot write \(path): \(reason)", code: 1)
    }
  }

  deinit { close(fd) }

  /// Removes the file when nothing was written to it (the session never started): only an
  /// empty regular file that is still the one opened (never a device such as /dev/null).
  func discard() {
    var opened = stat()
    var named = stat()
    guard fstat(fd, &opened) == 0, lstat(path, &named) == 0 else { return }
    guard (opened.st_mode & S_IFMT) == S_IFREG, opened.st_size == 0, opened.st_dev == named.st_dev,
      opened.st_ino == named.st_ino
    else { return }
    unlink(path)
  }

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// Writes all of `text` (retrying short writes and EINTR) or fails with one plain line
  /// (printing nothing: the live app may own the terminal).
  func write(_ text: String) throws(Failure) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
      let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
      if n < 0 {
        if errno == EINTR { continue }
        throw Failure(description: "cannot write \(printable(path)): \(String(cString: strerror(errno)))")
      }
      bytes = bytes.dropFirst(n)
    }
  }

  /// ``write(_:)`` for commands without a screen: a failure ends the program with status 1.
  func writeOrExit(_ text: String) throws {
    do { try write(text) } catch { throw CleanExit.failure(error.description, code: 1) }
  }
}

/// `--cast FILE` options shared by `play` (headless and live) and `live`.
struct CastOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Record an asciicast v2 file (asciinema's format): headless, the scene at --cast-fps with --cast-speed steps per frame and captions held for their seconds; live, the screen as drawn.",
      valueName: "file.cast"),
    completion: .file(extensions: ["cast"]))
  var cast: String?

  @Option(
    name: .customLong("cast-fps"),
    help: ArgumentHelp(
      "Headless --cast: frames per second, 1 to 120 (30 is the live app's rate).", valueName: "N"))
  var castFPS = 30

  @Option(
    name: .customLong("cast-speed"),
    help: Choices.help(
      "Headless --cast: training steps per frame, as the live app's speeds:", Choices.speeds, "",
      valueName: "N"),
    completion: Choices.completion(Choices.speeds))
  var castSpeed = 5

  func validate() throws {
    guard (1...120).contains(castFPS) else { throw ValidationError("--cast-fps must be 1 to 120, got \(castFPS)") }
    guard LabThread.speeds.contains(castSpeed) else {
      throw ValidationError("--cast-speed must be one of \(Choices.sentence(Choices.speeds)), got \(castSpeed)")
    }
    if let cast, cast.isEmpty { throw ValidationError("--cast needs a file name") }
  }

  var pacing: ScenePacing { ScenePacing(fps: castFPS, stepsPerFrame: castSpeed) }
}

/// Headless playback that also records the scene as an asciicast: a frame every
/// `pacing.stepsPerFrame` steps, streamed to the file as it is made.
final class CastingSink: HeadlessSink, ScenePlayerFrameDelegate {
  let pacing: ScenePacing
  let file: StreamFile
  var encoder: AsciicastEncoder
  private(set) var frameCount = 0
  private(set) var lastTime = 0

  init(
    size: (Int, Int), theme: Theme, screenshotDir: String?, keepFrames: Bool, cast: String, pacing: ScenePacing,
    title: String
  ) throws {
    self.pacing = pacing
    file = try StreamFile(path: cast)
    encoder = AsciicastEncoder(width: size.0, height: size.1)
    super.init(size: size, theme: theme, screenshotDir: screenshotDir, keepFrames: keepFrames)
    try file.writeOrExit(
      AsciicastEncoder.header(
        width: size.0, height: size.1, title: title, env: AsciicastEncoder.environment(for: theme.colors)))
  }

  func scenePlayer(_ player: ScenePlayer, frameAt time: Int) throws {
    frameCount += 1
    lastTime = time
    try file.writeOrExit(encoder.events(for: render(player), at: time))
  }

  /// `cast: FILE (N frames, 12.3 s at 30 fps, 5 steps per frame)`.
  var summary: String {
    "cast: \(file.path) (\(frameCount) frames, \(AsciicastEncoder.seconds(lastTime).dropLast(5)) s at \(pacing.fps) fps, \(pacing.stepsPerFrame) steps per frame)"
  }
}
