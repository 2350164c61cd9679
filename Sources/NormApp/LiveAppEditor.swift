import NormLab
import NormView

/// The experiment editor in the live app (`m`): opening it on the experiment on screen, its keys,
/// and Apply (the lab restarts from step 0 with the new experiment). While it is open every key
/// goes to it, as with the scene browser; training goes on behind it.
extension LiveApp {
  /// Opens the editor on the experiment on screen, with the learning rate and batch size in use
  /// now (`l`, `b` and scenes change them).
  mutating func openEditor(_ s: DashboardState?) {
    guard let current = link.shared.withLock({ $0.current }) else {
      flash("nothing to edit yet")
      return
    }
    showHelp = false
    editor = ExperimentEditor(
      config: current.config, dataName: current.data.name, dataParameters: current.data.parameters,
      dataFile: current.data.file, dataLabels: current.data.labels, learningRate: s?.learningRate,
      batchSize: s?.batchSize)
  }

  /// A key while the editor is open: Esc drops the draft, a valid Apply restarts the lab with it.
  mutating func handleEditor(_ key: Key) {
    guard var e = editor else { return }
    switch e.handle(key) {
    case .editing: editor = e
    case .cancelled:
      editor = nil
      flash("experiment editor closed: nothing changed")
    case .applied(let a):
      editor = nil
      link.send(
        .startExperiment(
          a.config,
          data: LabData(
            name: a.dataName, parameters: a.dataParameters, file: a.dataName == nil ? a.settings.data : nil,
            labels: a.dataName == nil ? a.settings.labels : nil)
        ))
      isScene = false
      flash("applied: \(a.config.variants.map(\.name).joined(separator: ", ")) from step 0")
    }
  }
}
