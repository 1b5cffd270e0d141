import Foundation

/// Why the Kubernetes lab refuses the host before anything was changed, beyond the refusals of
/// the shared host preflight (``GPUHostPreflightError``: the driver, MIG).
public enum HAMiPreflightError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// A GPU Operator runs.
  case gpuOperatorPresent(daemonSet: String)
  /// An NVIDIA device plugin (not HAMi's) runs.
  case devicePluginPresent(daemonSet: String)
  /// `sudo -n true` failed.
  case sudoNeedsPassword
  /// No apt-get.
  case notAptBased(distribution: String)
  /// Not enough free disk under /var/lib.
  case diskShort(availableGiB: Int, neededGiB: Int)
  /// The card cannot hold two slices plus the oversubscribe test.
  case cardTooSmall(memoryMiB: Int)
  /// A `slice_mib` given explicitly does not fit six times on the card.
  case sliceTooLarge(sliceMiB: Int, largestMiB: Int, memoryMiB: Int)
  /// The host driver is older than the default probe image needs.
  case driverTooOld(driver: String, image: String, requirement: String)

  public var description: String {
    let prefix = "preflight refused the host before changing anything: "
    switch self {
    case .gpuOperatorPresent(let set):
      return prefix + "an NVIDIA GPU Operator runs (\(set)); HAMi must own the GPU: "
        + "use a host without it, or uninstall the GPU Operator first"
    case .devicePluginPresent(let set):
      return prefix
        + "an NVIDIA device plugin runs (\(set)); HAMi ships its own and the two must not coexist: "
        + "remove it first"
    case .sudoNeedsPassword:
      return prefix + "sudo needs a password; labrun runs privileged commands with `sudo -n`: "
        + "allow passwordless sudo for this user (a NOPASSWD line in /etc/sudoers.d/) or connect as root"
    case .notAptBased(let distribution):
      return prefix + "\(distribution) is not apt-based; this lab installs the NVIDIA Container Toolkit from "
        + "NVIDIA's apt repository: use an Ubuntu or Debian host"
    case .diskShort(let available, let needed):
      return prefix + "only \(available) GiB free under /var/lib, the lab needs \(needed) GiB "
        + "(k3s images and the CUDA devel image): free space or use a bigger disk"
    case .cardTooSmall(let memory):
      return prefix + "the card has \(memory) MiB, too little for two slices of at least 500 MiB plus the "
        + "oversubscribe test; use a card with at least 3000 MiB"
    case .sliceTooLarge(let slice, let largest, let memory):
      return prefix
        + "slice_mib=\(slice) does not fit six times on the card's \(memory) MiB (the lab's rule); "
        + "the largest slice that fits is \(largest) MiB: use --param slice_mib=\(largest) or less"
    case .driverTooOld(let driver, let image, let requirement):
      return prefix + "the probe image \(image) needs \(requirement), the host has driver \(driver); "
        + "upgrade the NVIDIA driver, or pass a probe image built for an older CUDA (--param probe_image=…)"
    }
  }

  public var errorDescription: String? { description }
}
