import ArgumentParser
import NormCore
import NormLab

@main
struct NormScope: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "normscope",
    abstract: "Train small networks side by side with and without normalization, and see why batch norm works.",
    discussion: """
      With no subcommand, NormScope runs the default experiment (the BN paper's Figure 1 set-up on \
      the UCI digits: a 3×100 sigmoid MLP with and without batch norm). The live ncurses dashboard \
      is not built yet; until it is, the default experiment prints its progress as a table.
      """,
    subcommands: [Train.self, Shot.self]
  )

  func run() throws {
    print("normscope: the live dashboard is not built yet; running the default experiment instead:")
    print(
      "  normscope train " + Train.defaultArguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        + "\n")
    let train = try Train.parse(Train.defaultArguments)
    try train.run()
  }
}
