import Foundation

/// The simulated node, persisted as JSON in the simulated host's directory between
/// commands (and between labrun processes).
public struct SimState: Sendable, Hashable, Codable {
  /// One pod the simulated cluster knows.
  public struct Pod: Sendable, Hashable, Codable {
    public var name: String
    public var namespace: String
    public var gpumemMiB: Int
    public var gpus: Int
    /// Percent of the card's cores (`nvidia.com/gpucores`); nil for none asked.
    public var gpucores: Int?
    /// `Running` or `Pending`.
    public var phase: String
    public var ip: String
    /// Filtering events, for a pod the scheduler refused.
    public var events: [String]
    public var labels: [String: String]
    /// The card the scheduler gave the pod (nil: none, or not scheduled).
    public var gpuUUID: String?
    /// The node the pod runs on (nil: the server's own node).
    public var node: String?
    /// The pod's `hami.io/node-scheduler-policy` annotation, as applied.
    public var nodePolicy: String? = nil
  }

  /// HAMi's device plugin splits the card into this many shares (`nvidia.com/gpu` allocatable).
  static let deviceSplitCount = 10

  public var profile: SimProfile
  public var scenario: SimScenario
  public var nodeName: String
  /// The host's address on the simulated network (its INTERNAL-IP).
  public var address = "10.0.0.5"
  /// A server's join token (`K10<CA hash>::server:<password>`), minted at install.
  public var joinToken: String?
  /// The credential the server accepts: the token's unless it was rotated (`wrong-token`).
  public var acceptedToken: String?
  /// The agents that joined this server, in join order.
  public var agents: [SimClusterNode] = []
  /// An agent's server (`K3S_URL`); nil on a server or a host without k3s.
  public var serverURL: String?
  /// What the k3s (agent) service logged, for `journalctl -u k3s-agent`.
  public var journal: [String] = []
  public var k3sVersion: String?
  public var k3sExec: String?
  public var k3sInstallAttempts: Int = 0
  public var k3sActive = false
  public var toolkitInstalled = false
  public var helmInstalled = false
  public var hamiRepoAdded = false
  /// `deployed`, `failed`, `pending-install` or nil when there is no release.
  public var hamiStatus: String?
  public var hamiInstallAttempts = 0
  public var hamiChartVersion: String?
  public var hamiSchedulerImage: String?
  /// When k3s was installed and HAMi deployed (helm's UPDATED, the injected files' times).
  public var k3sInstalledAt: Date?
  public var hamiDeployedAt: Date?
  public var nodeLabels: [String: String] = [:]
  /// Node annotations HAMi wrote (they outlive its release, as on a real node).
  public var nodeAnnotations: [String: String] = [:]
  /// Secrets in kube-system (HAMi's certgen job makes hami-scheduler-tls; helm does not remove it).
  public var secrets: [String] = []
  /// Docker, on provider images that ship it.
  public var dockerInstalled = false
  /// The toolkit removed with `apt-get remove`: its configuration files stay (dpkg's
  /// `deinstall ok config-files`) until `purge`.
  public var toolkitConfigLeft = false
  /// When the apt locks another apt holds are freed (seconds since 1970), for `apt-locked`.
  public var aptLockFreeAt: Double?
  public var pods: [Pod] = []
  public var configMaps: [String] = []
  /// ConfigMaps outside `default`, as `NAMESPACE/NAME` (a pre-built cluster's; labrun's in its namespace).
  public var namespacedConfigMaps: [String]?
  /// A pre-built cluster's namespaces (nil on a host labrun provisions: its namespaces are not modelled).
  public var namespaces: [Namespace]?
  /// A cluster labrun did not provision (`--kubeconfig`).
  public var preBuilt: Bool?
  /// Files under /etc, /usr, /var/lib and /opt: the simulated host's own, never this machine's.
  public var files: [String: String] = [:]
  /// Every change made to the host, in order: what a refusal before change must leave empty.
  public var changes: [String] = []
  public var nextPID = 52
  /// Processes running with the simulated HAMi-core preloaded (or the probes without it).
  public var gpuProcesses: [GPUProcess] = []
  /// HAMi-core's shared cache files: path → the limit in bytes the first process wrote.
  public var cacheLimits: [String: UInt64] = [:]

  /// A simulated process on the card: what `nvidia-smi --query-compute-apps` lists.
  public struct GPUProcess: Sendable, Hashable, Codable {
    public var pid: Int
    public var name: String
    public var usedMiB: Int
    /// The core limit it runs under (nil: none), for the throughput model.
    public var coreLimit: Int?
    public var computing: Bool
    public var cache: String?
    /// Whether it launches one kernel at a time and waits (the throughput probe's `--latency`).
    public var latency: Bool? = nil

    /// What the card's sharing model needs of it.
    var tenant: SimCardSharing.Tenant { .init(pid: pid, limit: coreLimit, latency: latency == true) }
  }

  public init(profile: SimProfile, scenario: SimScenario) {
    self.profile = profile
    self.scenario = scenario
    self.nodeName = "labsim-" + (profile.id.split(separator: "-").first.map(String.init) ?? profile.id)
    self.files["/etc/os-release"] =
      scenario == .notApt ? Self.fedoraRelease : Self.ubuntuRelease
    if scenario == .oldDriver {
      self.profile.driver = "520.61.05"
      self.profile.cuda = "11.8"
    }
    if scenario == .preinstalledToolkit {
      dockerInstalled = true
      toolkitInstalled = true
      files["/etc/apt/sources.list.d/nvidia-container-toolkit.list"] =
        "deb [signed-by=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg] https://nvidia.github.io/libnvidia-container/stable/deb/$(ARCH) /\n"
      files["/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg"] = "(provider's keyring)"
      files["/etc/nvidia-container-runtime/config.toml"] = Self.toolkitConfig
    }
  }

  static let toolkitConfig =
    "#accept-nvidia-visible-devices-as-volume-mounts = false\n[nvidia-container-runtime]\nmode = \"auto\"\n"

  /// Writes what HAMi's device plugin and scheduler leave on a node once it registered.
  mutating func noteRegistration() {
    guard registered, nodeAnnotations["hami.io/node-nvidia-register"] == nil else { return }
    nodeAnnotations["hami.io/node-nvidia-register"] = registrationAnnotation
    nodeAnnotations["hami.io/node-handshake-nvidia"] = "Reported 2026-06-23 10:23:02.118274 +0000 UTC"
    files["/usr/local/vgpu/libvgpu.so"] = "(HAMi-core)"
    files["/usr/local/vgpu/ld.so.preload"] = "/usr/local/vgpu/libvgpu.so\n"
    files["/tmp/vgpulock/lock"] = ""
    change("HAMi device plugin registered the node")
  }

  /// The `hami.io/node-nvidia-register` value: one entry per card.
  var registrationAnnotation: String { Self.registrationAnnotation(for: profile) }

  /// The `hami.io/node-nvidia-register` value of a node with `profile`'s cards.
  static func registrationAnnotation(for profile: SimProfile) -> String {
    let entries = (0..<profile.gpuCount).map { index in
      "{\"id\":\"\(profile.uuid(of: index))\",\"index\":\(index),\"count\":\(Self.deviceSplitCount),\"devmem\":\(profile.memoryMiB),\"devcore\":100,"
        + "\"type\":\"\(profile.name)\",\"numa\":0,\"mode\":\"hami-core\",\"health\":true,\"devicepairscore\":{}}"
    }
    return "[" + entries.joined(separator: ",") + "]"
  }

  /// The containerd default runtime k3s wrote, from its install options and the scenario.
  var defaultRuntime: String {
    guard let exec = k3sExec, exec.contains("--default-runtime nvidia"), toolkitInstalled,
      scenario != .runtimeRunc
    else { return "runc" }
    return "nvidia"
  }

  var kubernetesReady: Bool { k3sVersion != nil && k3sActive && !isAgent }
  /// Whether this host's k3s is an agent of another host's server.
  var isAgent: Bool { k3sExec?.hasPrefix("agent") == true }
  /// The server version without the `+k3s…` suffix.
  var kubeVersion: String {
    let version = k3sVersion ?? "v1.33.5+k3s1"
    return version.split(separator: "+").first.map(String.init) ?? version
  }
  var hamiDeployed: Bool { hamiStatus == "deployed" && kubernetesReady }
  var registered: Bool { hamiDeployed && nodeLabels["gpu"] == "on" && profile.hasGPU }

  /// Memory the scheduler has handed out on the card (all cards when nil).
  func allocatedMiB(on gpu: String? = nil) -> Int {
    pods.filter {
      $0.phase == "Running" && $0.gpus > 0 && (gpu == nil || ($0.gpuUUID ?? profile.uuid) == gpu)
    }
    .reduce(0) { $0 + $1.gpumemMiB }
  }

  mutating func change(_ what: String) { changes.append(what) }

  mutating func pid() -> Int {
    nextPID += 37
    return nextPID
  }

  static let ubuntuRelease = """
    PRETTY_NAME="Ubuntu 22.04.4 LTS"
    NAME="Ubuntu"
    VERSION_ID="22.04"
    VERSION="22.04.4 LTS (Jammy Jellyfish)"
    VERSION_CODENAME=jammy
    ID=ubuntu
    ID_LIKE=debian
    HOME_URL="https://www.ubuntu.com/"
    SUPPORT_URL="https://help.ubuntu.com/"
    BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
    PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
    UBUNTU_CODENAME=jammy

    """

  static let fedoraRelease = """
    NAME="Fedora Linux"
    VERSION="40 (Server Edition)"
    ID=fedora
    VERSION_ID=40
    PRETTY_NAME="Fedora Linux 40 (Server Edition)"

    """
}
