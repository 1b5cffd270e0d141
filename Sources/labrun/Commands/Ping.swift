import ArgumentParser

extension Labrun {
  struct Ping: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check that labrun can reach a host.")
    func run() async throws {}
  }
}
