import Foundation

/// The multi-call simulated host: one entry point answering as nvidia-smi, kubectl, helm,
/// k3s, apt-get, sudo, curl, … from the model in the host's directory.
public struct SimTool: Sendable {
  public let directory: String
  let store: SimStore
  let environment: [String: String]
  let readInput: @Sendable () -> String

  /// - Parameters:
  ///   - directory: the simulated host's directory (`LABRUN_SIM_DIR`).
  ///   - readInput: reads standard input to its end (only commands that take input call it).
  public init(directory: String, environment: [String: String], readInput: @escaping @Sendable () -> String) {
    self.directory = directory
    self.store = SimStore(directory: directory)
    self.environment = environment
    self.readInput = readInput
  }

  /// Runs the command `name` (argv[0]'s base name) with `arguments`.
  public func run(name: String, arguments: [String]) -> SimToolResult {
    do {
      return try dispatch(name: name, arguments: arguments)
    } catch {
      return .fail("\(name): \(error)\n")
    }
  }

  private func dispatch(name: String, arguments: [String]) throws -> SimToolResult {
    if let result = try mpsDispatch(name: name, arguments: arguments) { return result }
    switch name {
    case "sudo": return sudo(arguments)
    case "id": return id(arguments)
    case "uname": return uname(arguments)
    case "df": return df()
    case "nvidia-smi":
      if let query = arguments.first(where: { $0.hasPrefix("--query-compute-apps=") }) {
        return computeApps(String(query.dropFirst("--query-compute-apps=".count)), state: store.load())
      }
      return preloadedNVIDIASMI(arguments, state: store.load())
    case "env": return env(arguments)
    case "nvcc": return nvcc(arguments)
    case "docker": return docker(arguments)
    case "memory-probe": return try memoryProbe(arguments)
    case "throughput-probe": return try throughputProbe(arguments)
    case "cat": return cat(arguments)
    case "grep": return grep(arguments)
    case "rm": return try rm(arguments)
    case "ls": return ls(arguments)
    case "mkdir": return mkdir(arguments)
    case "tee": return try tee(arguments)
    case "curl": return curl(arguments)
    case "gpg": return try gpg(arguments)
    case "apt-get": return try aptGet(arguments)
    case "dpkg-query": return dpkgQuery(arguments)
    case "nvidia-ctk":
      return .ok(
        "NVIDIA Container Toolkit CLI version 1.17.8\ncommit: f202b80a9b9d0db00d9b1d73c0128c8962c55f4d\n")
    case "systemctl": return systemctl(arguments)
    case "k3s-installer": return try k3sInstall()
    case "k3s-uninstall.sh": return try k3sUninstall()
    case "k3s": return k3s(arguments)
    case "helm-installer": return try helmInstall()
    case "helm": return try helm(arguments)
    case "kubectl": return try kubectl(arguments)
    default: return .fail("\(name): not a command of labrun's simulated host\n", status: 127)
    }
  }

  // MARK: the system

  func real(_ name: String) -> String { directory + "/real/" + name }

  /// A path that belongs to the simulated host's own file system, never this machine's
  /// (`/tmp/vgpulock` is the HAMi device plugin's, on the host).
  static func isVirtual(_ path: String) -> Bool {
    ["/etc/", "/usr/", "/var/lib/", "/opt/", "/tmp/vgpulock"].contains { path.hasPrefix($0) }
  }

  /// Whether the model has `path` as a file or as a directory holding files.
  static func exists(_ path: String, in state: SimState) -> Bool {
    let bare = path.hasSuffix("/") ? String(path.dropLast()) : path
    if bare == "/usr/local/bin/helm" { return state.helmInstalled }
    return state.files[bare] != nil || state.files.keys.contains { $0.hasPrefix(bare + "/") }
  }

  private func ls(_ arguments: [String]) -> SimToolResult {
    let paths = arguments.filter { !$0.hasPrefix("-") }
    guard paths.contains(where: Self.isVirtual) else {
      return .exec(path: real("ls"), arguments: ["ls"] + arguments)
    }
    let state = store.load()
    var out = ""
    var err = ""
    for path in paths {
      if Self.exists(path, in: state) {
        out += path + "\n"
      } else {
        err += "ls: cannot access '\(path)': No such file or directory\n"
      }
    }
    return .exit(stdout: out, stderr: err, status: err.isEmpty ? 0 : 2)
  }

  /// Directories of the model exist as soon as a file is in them: nothing to make.
  private func mkdir(_ arguments: [String]) -> SimToolResult {
    guard arguments.filter({ !$0.hasPrefix("-") }).contains(where: Self.isVirtual) else {
      return .exec(path: real("mkdir"), arguments: ["mkdir"] + arguments)
    }
    return .ok()
  }

  private func sudo(_ arguments: [String]) -> SimToolResult {
    var rest = arguments
    while let first = rest.first, first.hasPrefix("-") { rest.removeFirst() }
    if store.load().scenario == .sudoPassword {
      return .fail(
        "sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper\nsudo: a password is required\n"
      )
    }
    guard let command = rest.first else { return .fail("usage: sudo -n command\n") }
    let path = command.contains("/") ? command : directory + "/bin/" + command
    guard FileManager.default.isExecutableFile(atPath: path) else {
      return .fail("sudo: \(command): command not found\n")
    }
    return .exec(path: path, arguments: rest)
  }

  /// `id`, `id -u`, `id -un` (also `-n -u`) as coreutils answers for the user ubuntu.
  private func id(_ arguments: [String]) -> SimToolResult {
    let flags = Set(arguments.filter { $0.hasPrefix("-") }.flatMap { $0.dropFirst() })
    switch (flags.contains("u"), flags.contains("n")) {
    case (true, true): return .ok("ubuntu\n")
    case (true, false): return .ok("1000\n")
    default: return .ok("uid=1000(ubuntu) gid=1000(ubuntu) groups=1000(ubuntu),27(sudo)\n")
    }
  }

  private func uname(_ arguments: [String]) -> SimToolResult {
    switch arguments.first {
    case "-r": return .ok("5.15.0-113-generic\n")
    case "-m": return .ok("x86_64\n")
    case "-n": return .ok(store.load().nodeName + "\n")
    default: return .ok("Linux\n")
    }
  }

  private func df() -> SimToolResult {
    let available = store.load().scenario == .diskShort ? 9_437_184 : 161_822_000
    let used = 203_056_560 - available
    return .ok(
      "Filesystem     1024-blocks      Used Available Capacity Mounted on\n"
        + "/dev/vda1        203056560 \(pad(used, 9)) \(pad(available, 9))      \(used * 100 / 203_056_560)% /\n"
    )
  }

  private func cat(_ arguments: [String]) -> SimToolResult {
    let files = arguments.filter { !$0.hasPrefix("-") }
    guard files.contains(where: Self.isVirtual) else {
      return .exec(path: real("cat"), arguments: ["cat"] + arguments)
    }
    let state = store.load()
    var out = ""
    var err = ""
    for file in files {
      if let content = state.files[file] {
        out += content
      } else {
        err += "cat: \(file): No such file or directory\n"
      }
    }
    return .exit(stdout: out, stderr: err, status: err.isEmpty ? 0 : 1)
  }

  private func grep(_ arguments: [String]) -> SimToolResult {
    guard let file = arguments.last, Self.isVirtual(file), arguments.count >= 2 else {
      return .exec(path: real("grep"), arguments: ["grep"] + arguments)
    }
    let options = arguments.dropLast().filter { $0.hasPrefix("-") }
    guard let pattern = arguments.dropLast().last(where: { !$0.hasPrefix("-") }),
      let regex = try? Regex(pattern)
    else { return .fail("grep: bad pattern\n", status: 2) }
    guard let content = store.load().files[file] else {
      return .fail("grep: \(file): No such file or directory\n", status: 2)
    }
    let matches = content.split(separator: "\n").filter { (try? regex.firstMatch(in: String($0))) != nil }
    let quiet = options.contains("-q")
    return .exit(
      stdout: quiet ? "" : matches.map { $0 + "\n" }.joined(), stderr: "", status: matches.isEmpty ? 1 : 0)
  }

  private func rm(_ arguments: [String]) throws -> SimToolResult {
    let files = arguments.filter { !$0.hasPrefix("-") }
    guard files.contains(where: Self.isVirtual) else {
      return .exec(path: real("rm"), arguments: ["rm"] + arguments)
    }
    let recursive = arguments.contains { $0.hasPrefix("-") && !$0.hasPrefix("--") && $0.contains("r") }
    try store.update { state in
      for file in files {
        if file == "/usr/local/bin/helm", state.helmInstalled {
          state.helmInstalled = false
          state.change("rm \(file)")
        }
        if state.files.removeValue(forKey: file) != nil { state.change("rm \(file)") }
        let bare = file.hasSuffix("/") ? String(file.dropLast()) : file
        let inside = state.files.keys.filter { $0.hasPrefix(bare + "/") }
        if !inside.isEmpty, recursive {
          for key in inside { state.files[key] = nil }
          state.change("rm -r \(bare)")
        }
      }
    }
    return .ok()
  }

  private func tee(_ arguments: [String]) throws -> SimToolResult {
    let files = arguments.filter { !$0.hasPrefix("-") }
    guard files.contains(where: Self.isVirtual) else {
      return .exec(path: real("tee"), arguments: ["tee"] + arguments)
    }
    let input = readInput()
    try store.update { state in
      for file in files {
        state.files[file] = input
        state.change("write \(file)")
      }
    }
    return .ok(input)
  }

  private func curl(_ arguments: [String]) -> SimToolResult {
    guard let url = arguments.last(where: { $0.hasPrefix("https://") }) else {
      return .fail("curl: no URL specified\n", status: 2)
    }
    let body: String
    switch url {
    case "https://get.k3s.io": body = "#!/bin/sh\n# simulated k3s installer\nexec k3s-installer \"$@\"\n"
    case let u
    where u.hasPrefix("https://raw.githubusercontent.com/k3s-io/k3s/") && u.hasSuffix("/install.sh"):
      body = "#!/bin/sh\n# simulated k3s installer of one release\nexec k3s-installer \"$@\"\n"
    case let u where u.hasSuffix("/get-helm-3"):
      // helm's installer is bash: under dash its curl check (`type curl &> /dev/null`) fails.
      body = Self.helmInstaller
    case let u where u.hasSuffix("/gpgkey"):
      body = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nsimulated\n-----END PGP PUBLIC KEY BLOCK-----\n"
    case let u where u.hasSuffix("nvidia-container-toolkit.list"):
      body = "deb https://nvidia.github.io/libnvidia-container/stable/deb/$(ARCH) /\n"
    default: return .fail("curl: (6) Could not resolve host (the simulated host has no network)\n", status: 6)
    }
    if let index = arguments.firstIndex(of: "-o"), index + 1 < arguments.count {
      let file = arguments[index + 1]
      // The simulated host writes nothing outside its own directory (a root-owned file in
      // this machine's /tmp would break a later run by another user).
      let resolved = URL(fileURLWithPath: file).standardizedFileURL.path
      guard resolved.hasPrefix(URL(fileURLWithPath: directory).standardizedFileURL.path + "/") else {
        return .fail(
          "curl: (23) Failure writing output to destination: the simulated host writes only under "
            + "\(directory) (its TMPDIR), not \(file)\n", status: 23)
      }
      // Atomically: simulated hosts running side by side may download to the same path.
      do {
        try Data(body.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
      } catch {
        return .fail("curl: (23) Failure writing output to destination\n", status: 23)
      }
      return .ok()
    }
    return .ok(body)
  }

  /// The first lines of helm's `get-helm-3`, as bash-only as the real script, then the
  /// simulated install.
  static let helmInstaller = """
    #!/usr/bin/env bash
    # simulated get-helm-3: the real script's curl check, which only bash passes
    HAS_CURL="$(type "curl" &> /dev/null && echo true || echo false)"
    if [ "${HAS_CURL}" != "true" ]; then
      echo "Either curl or wget is required"
      exit 1
    fi
    exec helm-installer "$@"

    """

  private func gpg(_ arguments: [String]) throws -> SimToolResult {
    guard let index = arguments.firstIndex(of: "-o"), index + 1 < arguments.count else {
      return .fail("gpg: simulated gpg supports --dearmor -o FILE only\n", status: 2)
    }
    let file = arguments[index + 1]
    let input = readInput()
    try store.update { state in
      state.files[file] = "(dearmored) " + input
      state.change("write \(file)")
    }
    return .ok()
  }

  static let toolkitPackages = [
    "nvidia-container-toolkit", "nvidia-container-toolkit-base", "libnvidia-container-tools",
    "libnvidia-container1",
  ]

  /// How long `apt-locked` holds apt's locks after the first apt-get, in seconds.
  var aptLockSeconds: Double {
    environment["LABRUN_SIM_APT_LOCK_MS"].flatMap(Double.init).map { $0 / 1000 } ?? 6
  }

  /// Seconds until apt's locks are free (0: free now).
  private func aptLockRemaining() throws -> Double {
    let now = Date().timeIntervalSince1970
    let seconds = aptLockSeconds
    let freeAt = try store.update { state -> Double? in
      guard state.scenario == .aptLocked else { return nil }
      if state.aptLockFreeAt == nil {
        state.aptLockFreeAt = now + seconds
      }
      return state.aptLockFreeAt
    }
    return max(0, (freeAt ?? 0) - now)
  }

  private func aptGet(_ arguments: [String]) throws -> SimToolResult {
    var options: [String] = []
    var words: [String] = []
    var optionValue = false
    for argument in arguments {
      if optionValue {
        options.append(argument)
        optionValue = false
      } else if argument == "-o" {
        optionValue = true
      } else if argument.hasPrefix("-o"), !argument.hasPrefix("--") {
        options.append(String(argument.dropFirst(2)))
      } else if !argument.hasPrefix("-") {
        words.append(argument)
      }
    }
    let holder = "It is held by process 1482 (unattended-upgr)"
    let remaining = try aptLockRemaining()
    if remaining > 0 {
      if words.first == "update" {
        // apt-get update does not wait for the lists lock.
        return .fail(
          "E: Could not get lock /var/lib/apt/lists/lock. \(holder)\nE: Unable to lock directory /var/lib/apt/lists/\n",
          status: 100)
      }
      let timeout =
        options.first { $0.lowercased().hasPrefix("dpkg::lock::timeout=") }
        .flatMap { Double($0.split(separator: "=").last ?? "") } ?? 0
      guard timeout >= remaining else {
        if timeout > 0 { Thread.sleep(forTimeInterval: timeout) }
        return .fail(
          "E: Could not get lock /var/lib/dpkg/lock-frontend. \(holder)\n"
            + "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?\n",
          status: 100)
      }
      Thread.sleep(forTimeInterval: remaining)
    }
    switch words.first {
    case "update":
      return .ok(
        "Hit:1 http://archive.ubuntu.com/ubuntu jammy InRelease\n"
          + "Get:2 https://nvidia.github.io/libnvidia-container/stable/deb/amd64  InRelease [1477 B]\n"
          + "Reading package lists...\n")
    case "install":
      guard words.contains("nvidia-container-toolkit") else {
        return .fail("E: the simulated host only installs nvidia-container-toolkit\n", status: 100)
      }
      let list = store.load().files["/etc/apt/sources.list.d/nvidia-container-toolkit.list"] ?? ""
      guard list.split(separator: "\n").contains(where: { $0.hasPrefix("deb ") }) else {
        return .fail("E: Unable to locate package nvidia-container-toolkit\n", status: 100)
      }
      try store.update { state in
        if !state.toolkitInstalled { state.change("apt-get install nvidia-container-toolkit") }
        state.toolkitInstalled = true
        state.toolkitConfigLeft = false
        state.files["/etc/nvidia-container-runtime/config.toml"] = SimState.toolkitConfig
      }
      return .ok(
        "Setting up libnvidia-container1:amd64 (1.17.8-1) ...\nSetting up libnvidia-container-tools (1.17.8-1) ...\n"
          + "Setting up nvidia-container-toolkit-base (1.17.8-1) ...\nSetting up nvidia-container-toolkit (1.17.8-1) ...\n"
      )
    case "remove", "purge":
      let purge = words.first == "purge"
      let out = try store.update { state -> String in
        guard words.contains("nvidia-container-toolkit"), state.toolkitInstalled || state.toolkitConfigLeft
        else { return "" }
        var out = state.toolkitInstalled ? "Removing nvidia-container-toolkit (1.17.8-1) ...\n" : ""
        state.toolkitInstalled = false
        state.toolkitConfigLeft = !purge
        if purge {
          state.files["/etc/nvidia-container-runtime/config.toml"] = nil
          out += "Purging configuration files for nvidia-container-toolkit (1.17.8-1) ...\n"
        }
        state.change("apt-get \(words.first ?? "") nvidia-container-toolkit")
        return out
      }
      return .ok(out)
    default:
      return .fail("E: Invalid operation \(words.first ?? "")\n", status: 100)
    }
  }

  private func dpkgQuery(_ arguments: [String]) -> SimToolResult {
    let package = arguments.last ?? ""
    let state = store.load()
    if Self.toolkitPackages.contains(package) {
      if state.toolkitInstalled { return .ok("install ok installed") }
      if state.toolkitConfigLeft { return .ok("deinstall ok config-files") }
    }
    if ["docker-ce", "docker.io"].contains(package), state.dockerInstalled {
      return .ok("install ok installed")
    }
    return .fail("dpkg-query: no packages found matching \(package)\n")
  }

  private func systemctl(_ arguments: [String]) -> SimToolResult {
    let state = store.load()
    let quiet = arguments.contains("--quiet")
    guard arguments.contains("is-active") else {
      return .fail("systemctl: the simulated host answers is-active only\n")
    }
    if arguments.last == "k3s", state.k3sActive { return .ok(quiet ? "" : "active\n") }
    return .exit(stdout: quiet ? "" : "inactive\n", stderr: "", status: 3)
  }

  // MARK: k3s and helm

  private func slowDown() {
    if let text = environment["LABRUN_SIM_SLOW_MS"], let ms = Int(text), ms > 0 {
      Thread.sleep(forTimeInterval: Double(ms) / 1000)
    }
  }

  private func k3sInstall() throws -> SimToolResult {
    let version = environment["INSTALL_K3S_VERSION"] ?? "v1.33.5+k3s1"
    let exec = environment["INSTALL_K3S_EXEC"] ?? "server"
    var log =
      "[INFO]  Using \(version) as release\n[INFO]  Downloading hash https://github.com/k3s-io/k3s/releases/download/\(version)/sha256sum-amd64.txt\n"
    let attempt = try store.update { state -> Int in
      state.k3sInstallAttempts += 1
      return state.k3sInstallAttempts
    }
    if store.load().scenario == .k3sInstallFailsOnce, attempt == 1 {
      return .fail("[ERROR]  Download failed\n", status: 1, stdout: log)
    }
    slowDown()
    try store.update { state in
      state.k3sVersion = version
      state.k3sInstalledAt = Date()
      state.k3sExec = exec
      state.k3sActive = true
      state.change("install k3s \(version) \(exec)")
      state.files["/etc/rancher/k3s/k3s.yaml"] = "apiVersion: v1\nkind: Config\n"
      state.files["/var/lib/rancher/k3s/agent/etc/containerd/config.toml"] =
        "# File generated by k3s. DO NOT EDIT. Use config.toml.tmpl instead.\nversion = 3\nroot = \"/var/lib/rancher/k3s/agent/containerd\"\n\n[plugins.'io.containerd.cri.v1.runtime'.containerd]\n  default_runtime_name = \"\(state.defaultRuntime)\"\n\n[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.'nvidia']\n  runtime_type = \"io.containerd.runc.v2\"\n"
    }
    log +=
      "[INFO]  Installing k3s to /usr/local/bin/k3s\n[INFO]  Creating /usr/local/bin/kubectl symlink to k3s\n"
      + "[INFO]  Creating uninstall script /usr/local/bin/k3s-uninstall.sh\n[INFO]  systemd: Starting k3s\n"
    return .ok(log)
  }

  private func k3sUninstall() throws -> SimToolResult {
    try store.update { state in
      state.k3sVersion = nil
      state.k3sExec = nil
      state.k3sActive = false
      state.hamiStatus = nil
      state.hamiChartVersion = nil
      state.nodeLabels = [:]
      state.nodeAnnotations = [:]
      state.secrets = []
      state.pods = []
      state.configMaps = []
      for file in state.files.keys
      where file.hasPrefix("/etc/rancher/") || file.hasPrefix("/var/lib/rancher/") {
        state.files[file] = nil
      }
      state.change("k3s-uninstall.sh")
    }
    return .ok("+ systemctl stop k3s\n+ rm -rf /etc/rancher/k3s\n+ rm -f /usr/local/bin/k3s-uninstall.sh\n")
  }

  private func k3s(_ arguments: [String]) -> SimToolResult {
    let state = store.load()
    guard arguments.first == "--version" || arguments.first == "-v" else {
      return .fail("k3s: the simulated host answers --version only\n")
    }
    return .ok(
      "k3s version \(state.k3sVersion ?? "") (\(String(repeating: "a", count: 8)))\ngo version go1.24.6\n")
  }

  private func helmInstall() throws -> SimToolResult {
    guard let version = environment["DESIRED_VERSION"], !version.isEmpty else {
      return .fail(
        "helm-installer: no DESIRED_VERSION: the real installer would install whatever helm is latest\n")
    }
    try store.update { state in
      if !state.helmInstalled { state.change("install helm") }
      state.helmInstalled = true
    }
    return .ok(
      "Downloading https://get.helm.sh/helm-\(version)-linux-amd64.tar.gz\nVerifying checksum... Done.\n"
        + "Preparing to install helm into /usr/local/bin\nhelm installed into /usr/local/bin/helm\n")
  }

  private func helm(_ arguments: [String]) throws -> SimToolResult {
    let words = positional(arguments)
    func value(_ flag: String) -> String? {
      arguments.firstIndex(of: flag).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
    }
    let state = store.load()
    switch words.first {
    case "version": return .ok("v3.18.4+gd80839c\n")
    case "repo":
      if words.dropFirst().first == "add" {
        try store.update { $0.hamiRepoAdded = true }
        // helm keeps its repositories in the user's configuration, as the real one does.
        let config = (environment["HOME"] ?? directory + "/home") + "/.config/helm"
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        try Data(
          "apiVersion: \"\"\nrepositories:\n- name: hami-charts\n  url: https://project-hami.github.io/HAMi/\n"
            .utf8
        )
        .write(to: URL(fileURLWithPath: config + "/repositories.yaml"))
        return .ok("\"hami-charts\" has been added to your repositories\n")
      }
      return .ok(
        "Hang tight while we grab the latest from your chart repositories...\n"
          + "...Successfully got an update from the \"hami-charts\" chart repository\nUpdate Complete. ⎈Happy Helming!⎈\n"
      )
    case "list":
      guard state.kubernetesReady else {
        return .fail(
          "Error: Kubernetes cluster unreachable: Get \"https://127.0.0.1:6443/version\": dial tcp 127.0.0.1:6443: connect: connection refused\n"
        )
      }
      return .ok(helmList(state, json: value("-o") == "json", filter: value("--filter")))
    case "upgrade", "install":
      guard state.kubernetesReady else { return .fail("Error: Kubernetes cluster unreachable\n") }
      let repositories = (environment["HOME"] ?? directory + "/home") + "/.config/helm/repositories.yaml"
      guard state.hamiRepoAdded, FileManager.default.fileExists(atPath: repositories) else {
        return .fail("Error: repo hami-charts not found\n")
      }
      let sets = arguments.indices.filter { arguments[$0] == "--set" && $0 + 1 < arguments.count }
        .map { arguments[$0 + 1] }
      let tag = sets.first { $0.hasPrefix("scheduler.kubeScheduler.image.tag=") }.map {
        String($0.split(separator: "=")[1])
      }
      let registry =
        sets.first { $0.hasPrefix("scheduler.kubeScheduler.image.registry=") }
        .map { String($0.split(separator: "=")[1]) } ?? "registry.cn-hangzhou.aliyuncs.com"
      let repository =
        sets.first { $0.hasPrefix("scheduler.kubeScheduler.image.repository=") }
        .map { String($0.split(separator: "=")[1]) } ?? "google_containers/kube-scheduler"
      guard let tag else {
        return .fail(
          "Error: UPGRADE FAILED: context deadline exceeded (kube-scheduler image tag unset: ImagePullBackOff)\n"
        )
      }
      let version = value("--version") ?? "2.9.0"
      let stuck = try store.update { state -> Bool in
        state.hamiInstallAttempts += 1
        guard state.scenario == .hamiReleaseStuck, state.hamiInstallAttempts == 1 else { return false }
        state.hamiStatus = "failed"
        state.hamiChartVersion = version
        state.change("helm upgrade --install hami \(version) (failed)")
        return true
      }
      if stuck {
        return .fail("Error: UPGRADE FAILED: context deadline exceeded\n")
      }
      if state.hamiStatus == "failed" || state.hamiStatus?.hasPrefix("pending") == true {
        return .fail("Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress\n")
      }
      try store.update { state in
        state.hamiStatus = "deployed"
        state.hamiDeployedAt = Date()
        state.hamiChartVersion = version
        state.hamiSchedulerImage = "\(registry)/\(repository):\(tag)"
        // The chart's certgen job makes the webhook's certificate Secret; helm never removes it.
        if !state.secrets.contains("hami-scheduler-tls") { state.secrets.append("hami-scheduler-tls") }
        state.change("helm upgrade --install hami \(version)")
      }
      return .ok(
        "Release \"hami\" does not exist. Installing it now.\nNAME: hami\nLAST DEPLOYED: \(SimClock.ctime())\n"
          + "NAMESPACE: kube-system\nSTATUS: deployed\nREVISION: 1\nTEST SUITE: None\n")
    case "uninstall":
      guard state.hamiStatus != nil else {
        return .fail("Error: uninstall: Release not loaded: hami: release: not found\n")
      }
      try store.update { state in
        state.hamiStatus = nil
        state.change("helm uninstall hami")
      }
      return .ok("release \"hami\" uninstalled\n")
    default:
      return .fail("Error: unknown command \"\(words.first ?? "")\" for \"helm\"\n")
    }
  }

  private func helmList(_ state: SimState, json: Bool, filter: String?) -> String {
    var releases: [(String, String, String, String)] = [
      ("traefik", "deployed", "traefik-34.2.1+up34.2.0", "v3.3.6"),
      ("traefik-crd", "deployed", "traefik-crd-34.2.1+up34.2.0", "v3.3.6"),
    ]
    if let status = state.hamiStatus, let version = state.hamiChartVersion {
      releases.insert(("hami", status, "hami-\(version)", version), at: 0)
    }
    if let filter, let regex = try? Regex(filter) {
      releases = releases.filter { (try? regex.wholeMatch(in: $0.0)) != nil }
    }
    let k3sTime = SimClock.helm(state.k3sInstalledAt ?? Date())
    let hamiTime = SimClock.helm(state.hamiDeployedAt ?? Date())
    func updated(_ name: String) -> String { name == "hami" ? hamiTime : k3sTime }
    if json {
      let items = releases.map {
        "{\"name\":\"\($0.0)\",\"namespace\":\"kube-system\",\"revision\":\"1\",\"updated\":\"\(updated($0.0))\",\"status\":\"\($0.1)\",\"chart\":\"\($0.2)\",\"app_version\":\"\($0.3)\"}"
      }
      return "[" + items.joined(separator: ",") + "]\n"
    }
    var out =
      "NAME       \tNAMESPACE  \tREVISION\tUPDATED                                \tSTATUS  \tCHART                  \tAPP VERSION\n"
    for release in releases {
      out +=
        "\(release.0.padding(toLength: 11, withPad: " ", startingAt: 0))\tkube-system\t1       \t\(updated(release.0))\t\(release.1.padding(toLength: 8, withPad: " ", startingAt: 0))\t\(release.2.padding(toLength: 23, withPad: " ", startingAt: 0))\t\(release.3)\n"
    }
    return out
  }
}

/// Options whose value is the next argument, for telling words from option values.
let optionsWithValues: Set<String> = [
  "-n", "--namespace", "-o", "--output", "-l", "--selector", "--field-selector", "--filter", "--version",
  "--set",
  "--timeout", "-f",
]

/// The arguments that are neither options nor option values.
func positional(_ arguments: [String]) -> [String] {
  var words: [String] = []
  var skip = false
  for argument in arguments {
    if skip {
      skip = false
      continue
    }
    if optionsWithValues.contains(argument) {
      skip = true
      continue
    }
    if argument.hasPrefix("-") { continue }
    words.append(argument)
  }
  return words
}

/// `value` right-aligned in `width` columns.
func pad(_ value: Int, _ width: Int) -> String { pad(String(value), width) }

/// `text` right-aligned in `width` columns.
func pad(_ text: String, _ width: Int) -> String {
  text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

/// `text` left-aligned in `width` columns.
func padRight(_ text: String, _ width: Int) -> String {
  text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}
