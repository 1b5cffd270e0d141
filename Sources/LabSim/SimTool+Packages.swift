import Foundation

/// The simulated host's package tools: curl, gpg, apt-get (with its lock), dpkg-query and
/// systemctl.
extension SimTool {
  func curl(_ arguments: [String]) -> SimToolResult {
    guard let url = arguments.last(where: { $0.hasPrefix("https://") }) else {
      return .fail("curl: no URL specified\n", status: 2)
    }
    if let answer = clusterCurl(url, arguments: arguments) { return answer }
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

  func gpg(_ arguments: [String]) throws -> SimToolResult {
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
  func aptLockRemaining() throws -> Double {
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

  func aptGet(_ arguments: [String]) throws -> SimToolResult {
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

  func dpkgQuery(_ arguments: [String]) -> SimToolResult {
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

  func systemctl(_ arguments: [String]) -> SimToolResult {
    let state = store.load()
    let quiet = arguments.contains("--quiet")
    guard arguments.contains("is-active") else {
      return .fail("systemctl: the simulated host answers is-active only\n")
    }
    if arguments.last == (state.isAgent ? "k3s-agent" : "k3s"), state.k3sActive {
      return .ok(quiet ? "" : "active\n")
    }
    return .exit(stdout: quiet ? "" : "inactive\n", stderr: "", status: 3)
  }
}
