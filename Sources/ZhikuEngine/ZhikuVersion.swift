/// The version Zhiku reports in `/healthz` and `zhiku --version`.
public enum ZhikuVersion {
    public static let current = "0.1.0"
}
