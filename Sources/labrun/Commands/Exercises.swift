import ArgumentParser
import LabPipeline

extension Labrun {
  struct Exercises: AsyncParsableCommand, Sendable {
    static let configuration = CommandConfiguration(
      abstract: "Run the lab's exercises on a prepared target and collect their evidence.",
      discussion: """
        Acts on the current run unless --run is given, with the parameters that run recorded. \
        The target is the run's own unless --host is given.

        With several hosts (--host repeated, --hosts FILE): the exercises of each host whose up \
        finished, in the newest unfinished fleet of these hosts, --parallel at once; prints the \
        fleet page and exits with the fleet's status (see docs/fleet.md).

        \(LabrunExit.help(LabrunExit.exerciseCodes))
        """)

    @OptionGroup var target: TargetArguments
    @OptionGroup var selection: RunOption
    @OptionGroup var fleet: FleetArguments

    func validate() throws { try selection.checkNotWithFleet(target) }

    func run() async throws {
      let session = LabSession()
      try await session.perform { [self] in
        guard let hosts = try target.selection.fleet() else {
          return try session.finish(
            try await session.lifecycle.exercises(
              run: selection.run, loadLab: session.labLoader, open: session.opener(target)))
        }
        try await session.runFleet(hosts) {
          try await $0.exercises(
            hosts: hosts, parallel: fleet.parallel, loadLab: session.labLoader,
            open: session.hostOpener(target))
        }
      }
    }
  }
}
