import Foundation
import LabPipeline

/// `down --purge`: the NVIDIA Container Toolkit and its apt source.
struct PurgeToolkitStep: Step {
  var id: String { "purge-toolkit" }
  var title: String { "Remove the NVIDIA Container Toolkit and its apt source (--purge only)" }

  static let listFile = RemoteCommand("cat \(ShellQuote.quote(HAMiIsolationLab.toolkitList))")

  func check(_ ctx: StepContext) async throws -> Bool {
    guard HAMiIsolationLab.purge(ctx.parameters) else { return true }
    let installed = try await ctx.run(ContainerToolkitStep.installed).stdoutText.contains(
      "install ok installed")
    guard !installed else { return false }
    return try await !ctx.run(Self.listFile).succeeded
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    for command in Self.commands { try await ctx.runChecked(command) }
    return NoOutput()
  }

  static let commands = [
    RemoteCommand(
      "DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq \(HAMiIsolationLab.toolkitPackages)",
      privileged: true,
      timeout: .seconds(300)),
    RemoteCommand(
      "rm -f \(ShellQuote.quote(HAMiIsolationLab.toolkitList)) \(ShellQuote.quote(HAMiIsolationLab.toolkitKeyring))",
      privileged: true),
  ]

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    HAMiIsolationLab.purge(ctx.parameters) ? Self.commands : []
  }
}
