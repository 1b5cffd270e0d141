import ArgumentParser
import LabPipeline

extension Labrun {
  struct Up: AsyncParsableCommand, Sendable {
    static let configuration = CommandConfiguration(
      abstract: "Prepare the target: preflight, install and configure everything the lab needs.",
      discussion: """
        Starts a new run (or resumes the current one if it is for the same lab and --host and \
        has not been torn down) and runs the lab's up steps. Steps whose check says the target \
        is already in shape are skipped; steps an earlier invocation finished are not repeated.

        With several hosts (--host repeated, --hosts FILE) up provisions each, --parallel at \
        once, in the newest unfinished fleet of these hosts (else a new fleet; see docs/fleet.md), \
        prints the fleet page and exits with the fleet's status; the current run is left alone.

        \(LabrunExit.help(LabrunExit.phaseCodes))
        """)

    @OptionGroup var target: TargetArguments
    @OptionGroup var lab: LabArguments
    @OptionGroup var fleet: FleetArguments

    /// Escape hatch when the current run should not be resumed.
    @Flag(name: .long, help: "Start a new run even if the current run could be resumed.")
    var newRun = false

    /// Another run's ownership of the host is taken over (issue 11: one run owns a host).
    @Flag(
      name: .long,
      help: "Take the host over from the run that owns it (that run's down then leaves the host alone).")
    var breakLock = false

    func validate() throws { try target.requireHost() }

    func run() async throws {
      let session = LabSession()
      let options = LifecycleOptions(newRun: newRun, breakLock: breakLock)
      try await session.perform { [self] in
        let (lab, parameters) = try session.loadLab(self.lab)
        guard let hosts = try target.selection.fleet() else {
          return try session.finish(
            try await session.lifecycle.up(
              lab, parameters: parameters, options: options, open: session.opener(target, lab: lab)))
        }
        try await session.runFleet(hosts) {
          try await $0.up(
            lab, hosts: hosts, overrides: self.lab.parameters, options: options, parallel: fleet.parallel,
            open: session.hostOpener(target, lab: lab))
        }
      }
    }
  }
}
