import ArgumentParser
import LabPipeline

extension Labrun {
  struct Down: AsyncParsableCommand, Sendable {
    static let configuration = CommandConfiguration(
      abstract: "Tear the lab down on the target and verify nothing is left.",
      discussion: """
        Acts on the current run unless --run is given. --purge is given to the lab's down steps. \
        When the verification at the end finds something left (e.g. a label that something keeps \
        re-adding), down fails naming each thing and how to remove it: remove them by hand and run \
        down again, which verifies and releases the host; or finish with --accept-leftovers, which \
        says and records what is left and releases the host.

        With several hosts (--host repeated, --hosts FILE): tears down each host's run of the \
        newest unfinished fleet of these hosts, --parallel at once; the fleet is finished once \
        every host's run is. Prints the fleet page (see docs/fleet.md).

        \(LabrunExit.help(LabrunExit.phaseCodes))
        """)

    @OptionGroup var target: TargetArguments
    @OptionGroup var selection: RunOption
    @OptionGroup var fleet: FleetArguments

    /// Also remove what up installed system-wide (the lab's down steps decide what that is).
    @Flag(
      name: .long, help: "Also uninstall what up installed system-wide (e.g. k3s and the container toolkit).")
    var purge = false

    /// Finish a teardown that left something labrun cannot remove (see `labrun down --help`).
    @Flag(
      name: .long,
      help: ArgumentHelp(
        "When the teardown's verification finds something left, say and record it, and finish anyway: the "
          + "run is finished and the host released. Remove what it names by hand."))
    var acceptLeftovers = false

    func validate() throws { try selection.checkNotWithFleet(target) }

    func run() async throws {
      let session = LabSession()
      let options = LifecycleOptions(purge: purge, acceptLeftovers: acceptLeftovers)
      try await session.perform { [self] in
        guard let hosts = try target.selection.fleet() else {
          return try session.finish(
            try await session.lifecycle.down(
              run: selection.run, options: options, loadLab: session.labLoader, open: session.opener(target)))
        }
        try await session.runFleet(hosts) {
          try await $0.down(
            hosts: hosts, options: options, parallel: fleet.parallel, loadLab: session.labLoader,
            open: session.hostOpener(target))
        }
      }
    }
  }
}
