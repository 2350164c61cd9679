/// The dashboard's panels, in focus (tab) order: the one table of panel names. The scene
/// language's `show panel NAME`, `normscope shot --focus` and the dashboard all read it, so a
/// panel the table lacks can neither be named nor drawn.
public enum PanelKind: String, Sendable, CaseIterable {
  case loss, histograms, heatmap, percentiles, drift, divergence, surface, sweep

  /// The panels' names as written in scenes and options, in tab order.
  public static let names = allCases.map(\.rawValue)

  /// The panel called `name` (any case), or nil.
  public init?(name: String) { self.init(rawValue: name.lowercased()) }
}
