import Foundation
import LabPipeline

/// HAMi from its Helm chart, with the kube-scheduler image tag matched to the server
/// version; then the gates that matter: the scheduler's webhook has endpoints (before that,
/// GPU pods silently land on the default scheduler) and the node has registered its GPU.
struct HAMiInstallStep: Step {
  var id: String { "hami" }
  var title: String { "Install HAMi and wait for its scheduler and GPU registration" }
  var timeout: Duration { .seconds(2400) }
  /// helm's own --wait, then the endpoints, then the registration: each up to
  /// `hami_ready_timeout`.
  func timeout(_ parameters: Parameters) -> Duration {
    guard let wait = try? parameters.duration("hami_ready_timeout") else { return timeout }
    return max(timeout, wait * 3 + .seconds(600))
  }

  static let release = RemoteCommand(
    "\(HAMiIsolationLab.helm) -n kube-system list -a --filter '^hami$' -o json")
  /// The ready addresses behind the hami-scheduler Service, from its EndpointSlices (`v1
  /// Endpoints` is deprecated from Kubernetes 1.33 and warns on every read).
  static let endpoints = RemoteCommand(
    "kubectl -n kube-system get endpointslices -l kubernetes.io/service-name=hami-scheduler"
      + " -o jsonpath='{range .items[*].endpoints[*]}{.addresses[0]}{\" \"}{.conditions.ready}{\"\\n\"}{end}'"
  )

  static func allocatable(_ node: String) -> RemoteCommand {
    RemoteCommand(
      "kubectl get node \(ShellQuote.quote(node)) -o jsonpath='{.status.allocatable.nvidia\\.com/gpu}'")
  }

  static func annotation(_ node: String) -> RemoteCommand {
    RemoteCommand(
      "kubectl get node \(ShellQuote.quote(node)) -o jsonpath='{.metadata.annotations.hami\\.io/node-nvidia-register}'"
    )
  }

  /// The kube-scheduler tag for a server version: `v1.33.5+k3s1` → `v1.33.5`.
  static func schedulerTag(serverVersion: String) -> String {
    serverVersion.split(separator: "+", maxSplits: 1).first.map(String.init) ?? serverVersion
  }

  /// The release's status (`deployed`, `failed`, `pending-install`, …) and chart, or nil.
  func releaseState(_ ctx: StepContext) async throws -> (status: String, chart: String)? {
    let output = try await ctx.run(Self.release)
    guard output.succeeded,
      let list = try? JSONSerialization.jsonObject(with: Data(output.stdout)) as? [[String: Any]],
      let release = list.first(where: { $0["name"] as? String == "hami" })
    else { return nil }
    return (release["status"] as? String ?? "", release["chart"] as? String ?? "")
  }

  func registered(_ ctx: StepContext, node: String) async throws -> Bool {
    let count = Int((try await ctx.run(Self.allocatable(node))).trimmedStdout) ?? 0
    guard count > 0 else { return false }
    let annotation = try await ctx.run(Self.annotation(node))
    return HAMiRegistration(lines: annotation.stdoutLines) != nil
  }

  func endpointsReady(_ ctx: StepContext) async throws -> Bool {
    let output = try await ctx.run(Self.endpoints)
    // `address ready` per endpoint; an unset ready ("unknown") counts as ready, as the API says.
    return output.succeeded
      && output.stdoutLines.contains { line in
        let fields = line.split(separator: " ")
        return !fields.isEmpty && fields.dropFirst().first != "false"
      }
  }

  func check(_ ctx: StepContext) async throws -> Bool {
    let version = try ctx.parameters.string("hami_version")
    guard let state = try await releaseState(ctx), state.status == "deployed",
      state.chart == "hami-\(version)"
    else { return false }
    guard try await endpointsReady(ctx) else { return false }
    return try await registered(ctx, node: try HAMiIsolationLab.nodeName(ctx))
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let node = try ctx.output(of: NodeReadyStep())
    let commands = try commands(ctx.parameters, serverVersion: node.serverVersion)
    try await ctx.runChecked(commands.repo)
    if let state = try await releaseState(ctx), state.status != "deployed" {
      ctx.note("clearing the stuck HAMi release (status \(state.status)) before installing")
      try await ctx.runChecked(commands.uninstall)
    }
    try await ctx.runChecked(commands.install)
    let timeout = try ctx.parameters.duration("hami_ready_timeout")
    try await ctx.wait(for: "the hami-scheduler webhook endpoints", timeout: timeout) {
      try await endpointsReady(ctx)
    }
    try await ctx.wait(for: "the node to register its GPU with HAMi", timeout: timeout) {
      try await registered(ctx, node: node.node)
    }
    return try await observe(ctx)
  }

  func observe(_ ctx: StepContext) async throws -> NoOutput {
    let node = try await HAMiIsolationLab.nodeName(ctx)
    try await ctx.capture(
      [RemoteCommand("\(HAMiIsolationLab.helm) -n kube-system list")], into: HAMiCatalog.helmRelease)
    try await ctx.capture(
      [
        RemoteCommand("kubectl -n kube-system get pods -l app.kubernetes.io/instance=hami -o wide"),
        RemoteCommand(
          "kubectl -n kube-system get deploy hami-scheduler -o jsonpath='{range .spec.template.spec.containers[*]}{.image}{\"\\n\"}{end}'"
        ),
      ], into: HAMiCatalog.hamiPods)
    try await ctx.capture([Self.allocatable(node), Self.annotation(node)], into: HAMiCatalog.nodeAllocatable)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let commands = try commands(ctx.parameters, serverVersion: ctx.placeholder("server-version"))
    return [commands.repo, Self.release, commands.install, Self.endpoints]
  }

  func commands(_ parameters: Parameters, serverVersion: String) throws -> (
    repo: RemoteCommand, uninstall: RemoteCommand, install: RemoteCommand
  ) {
    let version = try parameters.string("hami_version")
    let registry = try parameters.string("scheduler_registry")
    let wait = try parameters.duration("hami_ready_timeout")
    let tag = Self.schedulerTag(serverVersion: serverVersion)
    let helm = HAMiIsolationLab.helm
    return (
      RemoteCommand(
        "\(helm) repo add hami-charts https://project-hami.github.io/HAMi/ --force-update && \(helm) repo update hami-charts",
        timeout: .seconds(120)),
      RemoteCommand("\(helm) -n kube-system uninstall hami --wait", timeout: .seconds(300)),
      RemoteCommand(
        "\(helm) upgrade --install hami hami-charts/hami -n kube-system --version \(ShellQuote.quote(version))"
          + " --set \(ShellQuote.quote("scheduler.kubeScheduler.image.tag=" + tag))"
          + " --set \(ShellQuote.quote("scheduler.kubeScheduler.image.registry=" + registry))"
          // The chart's default repository is the Aliyun mirror's path (google_containers/…).
          + " --set scheduler.kubeScheduler.image.repository=kube-scheduler"
          + " --wait --timeout \(Int(wait.seconds))s",
        timeout: wait + .seconds(60))
    )
  }
}
