import Foundation
import LabPipeline

/// The NVIDIA Container Toolkit from NVIDIA's apt repository, before k3s so k3s finds the
/// nvidia runtime when it starts.
struct ContainerToolkitStep: Step {
  var id: String { "container-toolkit" }
  var title: String { "Install the NVIDIA Container Toolkit" }
  /// apt on a fresh VM is often locked by unattended-upgrades for a minute or two.
  var retry: RetryPolicy { RetryPolicy(maxAttempts: 3, initialBackoff: .seconds(20)) }

  static let installed = RemoteCommand("dpkg-query -W -f='${Status}' nvidia-container-toolkit")

  func check(_ ctx: StepContext) async throws -> Bool {
    try await ctx.run(Self.installed).stdoutText.contains("install ok installed")
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await runPlanned(ctx)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let keyring = ShellQuote.quote(HAMiIsolationLab.toolkitKeyring)
    return [
      RemoteCommand(
        "curl -fsSL https://nvidia.github.io/libnvidia-container/gpgkey | gpg --batch --yes --dearmor -o \(keyring)",
        privileged: true, timeout: .seconds(120)),
      RemoteCommand(
        "curl -fsSL https://nvidia.github.io/libnvidia-container/stable/deb/nvidia-container-toolkit.list"
          + " | sed 's#deb https://#deb [signed-by=\(HAMiIsolationLab.toolkitKeyring)] https://#g'"
          + " | tee \(ShellQuote.quote(HAMiIsolationLab.toolkitList)) >/dev/null",
        privileged: true, timeout: .seconds(120)),
      RemoteCommand(
        "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nvidia-container-toolkit",
        privileged: true, timeout: .seconds(600)),
    ]
  }
}
