import Foundation
import LabPipeline

/// helm, with its official install script.
struct HelmInstallStep: Step {
  var id: String { "helm" }
  var title: String { "Install helm" }
  /// A download from get.helm.sh that fails once is worth a second try.
  var retry: RetryPolicy { RetryPolicy(maxAttempts: 2, initialBackoff: .seconds(5)) }

  func check(_ ctx: StepContext) async throws -> Bool {
    try await ctx.run("helm version --short").succeeded
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await runPlanned(ctx)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [
      RemoteCommand(
        "curl -fsSL -o /tmp/labrun-get-helm-3.sh https://raw.githubusercontent.com/helm/helm/main/scripts/get-helm-3"
          + " && sh /tmp/labrun-get-helm-3.sh",
        privileged: true, timeout: .seconds(300))
    ]
  }
}
