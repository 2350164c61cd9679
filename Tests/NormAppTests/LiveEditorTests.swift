import NormApp
import NormCore
import NormLab
import NormView
import Testing

/// The experiment editor in the running app (`m`), on the scripted terminal.
extension LiveLoopTests {
  /// The highest step the status bar showed before Apply.
  final class Steps {
    var before = 0
  }

  @Test("m opens the editor; a resize keeps the draft; Enter restarts training at step 0 with the new experiment")
  func editorAppliesAndRestarts() throws {
    let steps = Steps()
    let (_, term) = try Self.run { t in
      Self.waitForStatus(t, "running at step 20") { (Self.step(in: $0) ?? 0) >= 20 }
      t.type("m")
      t.wait(for: "Enter applies")
      t.send(.key(.left))  // moons → spirals
      t.send(.key(.tab))
      t.type("0.3")
      for _ in 0..<4 { t.send(.key(.tab)) }  // classes, name, edit as, norm
      for _ in 0..<3 { t.send(.key(.right)) }  // none → batchnorm → layernorm → groupnorm
      t.send(.key(.tab), .key(.right))  // place: after the activation
      t.wait(for: "linear 16, relu, groupnorm 4, linear 3")
      // A resize while the form is open keeps the draft.
      t.resize(width: 80, height: 24)
      t.wait(for: "noise           0.3")
      t.resize(width: 120, height: 40)
      t.wait(for: "linear 16, relu, groupnorm 4, linear 3")
      for _ in 0..<8 { t.send(.key(.tab)) }  // activation … optimizer, learning rate
      for _ in 0..<8 { t.send(.key(.backspace)) }
      t.type("0.37")
      t.wait(for: "0.37_")
      t.send(
        .waitUntil(
          "the step before Apply",
          { term in
            steps.before = Self.step(term) ?? 0
            return true
          }))
      t.send(.key(.enter))
      Self.waitForStatus(t, "lr 0.37 after Apply") { $0.contains("lr 0.37") }
      t.wait(for: "experiment applied: training from step 0")
      Self.waitForStatus(t, "training on") { (Self.step(in: $0) ?? 0) >= 2 }
      t.type("q")
    }
    let text = term.text
    #expect(!text.contains("Enter applies"), "the editor closed")
    #expect(Self.status(term).contains("lr 0.37"))
    // The first frame after Apply shows a step below the one before it: a restart from 0.
    let after = term.frames.map(Screenshot.text).drop { !$0.contains("lr 0.37") }.compactMap {
      Self.step(in: $0.split(separator: "\n").first.map(String.init) ?? "")
    }
    #expect(steps.before >= 20)
    #expect((after.first ?? .max) < steps.before, "restarted: \(after.prefix(3)) after \(steps.before)")
  }

  @Test("Esc closes the editor and changes nothing: training goes on with the same settings")
  func editorCancels() throws {
    let (_, term) = try Self.run { t in
      Self.waitForStatus(t, "running at step 3") { (Self.step(in: $0) ?? 0) >= 3 }
      t.type("m")
      t.wait(for: "Enter applies")
      for _ in 0..<12 { t.send(.key(.tab)) }
      t.type("99")
      t.send(.key(.escape))
      t.wait(for: "experiment editor closed: nothing changed")
      Self.waitForStatus(t, "training on") { (Self.step(in: $0) ?? 0) >= 6 }
      t.type("q")
    }
    #expect(!term.text.contains("Enter applies"))
    #expect(Self.status(term).contains("lr 0.1 "))
  }
}
