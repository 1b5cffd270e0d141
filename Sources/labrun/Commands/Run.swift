import ArgumentParser
import LabPipeline

extension Labrun {
  struct Run: AsyncParsableCommand, Sendable {
    static let configuration = CommandConfiguration(
      abstract: "up, exercises, report and down in one go; teardown runs even after a failure unless --keep.",
      discussion: """
        Resumes the newest unfinished run of this lab and --host (one whose exercises have not \
        completed: a step failed or was interrupted), else starts a new run; --new-run always \
        starts a new one. A resumed run that was torn down after its failure starts every step \
        again from its check. If up or exercises fails, down still runs (unless --keep) and the \
        exit status is the first failure's. When the exercises completed, their verdicts are said \
        on standard error and decide the exit status (0, 5 or 6).

        \(LabrunExit.help(LabrunExit.exerciseCodes))
        """)

    @OptionGroup var target: TargetArguments
    @OptionGroup var lab: LabArguments

    /// Leave the lab installed, e.g. to look around after a failure.
    @Flag(name: .long, help: "Do not tear down at the end (also after a failure).")
    var keep = false

    /// Escape hatch when the unfinished run should not be resumed.
    @Flag(
      name: .long, help: "Start a new run even if an unfinished run of this lab and host could be resumed.")
    var newRun = false

    /// For the down steps, like `labrun down --purge`.
    @Flag(name: .long, help: "Tear down with --purge (uninstall what up installed system-wide).")
    var purge = false

    /// Another run's ownership of the host is taken over, as with `labrun up --break-lock`.
    @Flag(
      name: .long,
      help: "Take the host over from the run that owns it (that run's down then leaves the host alone).")
    var breakLock = false

    @OptionGroup var fleet: FleetArguments

    func validate() throws { try target.requireHost() }

    func run() async throws {
      let session = LabSession()
      let options = LifecycleOptions(newRun: newRun, keep: keep, purge: purge, breakLock: breakLock)
      try await session.perform { [self] in
        let (lab, parameters) = try session.loadLab(self.lab)
        guard let hosts = try target.selection.fleet() else {
          return try session.finish(
            try await session.lifecycle.run(
              lab, parameters: parameters, options: options, open: session.opener(target, lab: lab)))
        }
        try await session.runFleet(hosts) {
          try await $0.run(
            lab, hosts: hosts, overrides: self.lab.parameters, options: options, parallel: fleet.parallel,
            open: session.hostOpener(target, lab: lab))
        }
      }
    }
  }
}
