#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswresample/swresample.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libavutil/error.h>

/// AVERROR(EAGAIN) and AVERROR_EOF as values Swift can read (the macros do not import).
static inline int zhiku_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int zhiku_averror_eof(void) { return AVERROR_EOF; }
