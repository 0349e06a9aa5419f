extension Unicode.Scalar {
    /// CJK ideographs (unified, extensions, compatibility), kana and hangul: scripts written without spaces
    /// between words, which Zhiku tokenizes into character n-grams.
    public var isCJK: Bool {
        switch value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2EBEF, 0x30000...0x323AF, 0xF900...0xFAFF,
             0x3040...0x30FF, 0x31F0...0x31FF, 0xAC00...0xD7AF:
            return true
        default:
            return false
        }
    }
}
