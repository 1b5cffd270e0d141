import ArgumentParser
import Foundation
import LabPipeline
import Targets

extension Labrun {
  struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print the steps and the commands each would run; runs nothing on the target.",
      discussion: """
        Reads the lab and its parameters and asks each step for the commands it would run, with \
        what each command is fed on its standard input (manifests, files), redacted as in the \
        transcript. Values that earlier steps compute show as <placeholders>. Shows how --host \
        resolves through ssh_config (-F, --identity), as `labrun ping --resolve` does. labrun \
        does not connect to the host, looks no name up, writes nothing to the state directory, \
        and runs no command.

        With several hosts (--host repeated, --hosts FILE): each host's plan, with its own \
        parameters from the hosts file, one `# HOST` section per host (--json: {"hosts": [...]}).

        \(LabrunExit.help(LabrunExit.planCodes))
        """)

    @OptionGroup var target: TargetArguments
    @OptionGroup var lab: LabArguments

    /// Machine-readable output for scripts.
    @Flag(name: .long, help: "Print the plan as JSON.")
    var json = false

    /// Which phases to show.
    @Option(
      name: .long,
      help: ArgumentHelp("Show only this phase (up, exercises or down).", valueName: "phase"))
    var phase: Phase?

    /// Shows down's purge steps, as `labrun down --purge` would run them.
    @Flag(name: .long, help: "Plan the down phase as `down --purge` (uninstall k3s, the toolkit and helm).")
    var purge = false

    func validate() throws {
      try target.requireHost()
      if target.acceptNewHostKey {
        throw ValidationError(
          "plan connects to nothing, so there is no host key to accept; pass --accept-new-host-key to "
            + "`labrun up`, `run` or `ping`")
      }
    }

    func run() async throws {
      let session = LabSession()
      do {
        let (lab, _) = try session.loadLab(self.lab)
        let plan = try await FleetPlan.make(
          lab: lab, hosts: try target.selection.targets() ?? [], overrides: self.lab.parameters,
          phases: Phase.allCases.filter { phase == nil || phase == $0 },
          options: target.connectionOptions(state: session.state), lifecycle: LifecycleOptions(purge: purge),
          redactor: session.redactor, nodes: target.nodes, cluster: try target.existingCluster())
        Terminal.output(try plan.rendered(json: json))
      } catch {
        throw session.failure(error)
      }
    }
  }
}

extension Phase: ExpressibleByArgument {}
