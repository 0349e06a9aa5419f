import Testing

/// Skips the running test with a reason, so it shows as skipped ("was cancelled: skipped: …") and not as passed:
/// for what a test needs that a user's machine may lack (../shared/eval, model weights, ImageMagick, ffmpeg, root).
public enum Skip {
    /// Ends the running test as skipped because of `reason`.
    public static func now(_ reason: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Never {
        try Test.cancel(Comment(rawValue: "skipped: \(reason)"), sourceLocation: sourceLocation)
    }

    /// Skips the running test unless `condition` holds.
    public static func unless(_ condition: Bool, _ reason: @autoclosure () -> String,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        if !condition { try now(reason(), sourceLocation: sourceLocation) }
    }
}
