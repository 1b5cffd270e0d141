import Foundation
import LabPipeline

/// `down --purge`: helm's binary and its configuration and cache (the hami-charts
/// repository), when this run installed helm.
struct PurgeHelmStep: Step {
  var id: String { "purge-helm" }
  var title: String { "Remove helm and its configuration (--purge only)" }
  var rechecksWhenFinished: Bool { true }

  /// helm's own files of the user labrun runs as (`helm repo add` ran without sudo).
  static let userFiles = "\"$HOME/.config/helm\" \"$HOME/.cache/helm\""
  static let present = RemoteCommand(
    "for p in \(userFiles); do if ls -d \"$p\" >/dev/null 2>&1; then echo \"$p\"; fi; done")

  static func removes(_ parameters: Parameters, purge: Bool) -> Bool {
    purge && HostCommands.installedByLabrun("helm", parameters)
  }

  /// What of helm is left, in words.
  static func leftovers(_ ctx: StepContext) async throws -> [String] {
    var left: [String] = []
    if try await ctx.hasCommand("helm") { left.append("helm (\(HelmInstallStep.binary))") }
    let files = try await ctx.run(present).stdoutLines.filter { !$0.isEmpty }
    if !files.isEmpty { left.append("helm's configuration (\(files.joined(separator: ", ")))") }
    return left
  }

  func check(_ ctx: StepContext) async throws -> Bool {
    guard ctx.options.purge else {
      ctx.satisfied("kept helm: no --purge")
      return true
    }
    guard HostCommands.installedByLabrun("helm", ctx.parameters) else {
      ctx.satisfied("kept helm: it was on the host before this run's up")
      return true
    }
    return try await Self.leftovers(ctx).isEmpty
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await runPlanned(ctx)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    guard ctx.options.purge && HostCommands.plannedInstall("helm", ctx.parameters) else {
      return []
    }
    return [
      RemoteCommand("rm -f \(ShellQuote.quote(HelmInstallStep.binary))", privileged: true),
      RemoteCommand("rm -rf \(Self.userFiles)"),
    ]
  }
}
