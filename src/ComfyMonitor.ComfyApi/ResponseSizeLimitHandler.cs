using System.Net;

namespace ComfyMonitor.ComfyApi;

/// <summary>
/// Caps every response body: a Content-Length over the cap fails at once, and a body without one
/// fails as soon as the reader passes the cap, so memory stays bounded whatever the server sends.
/// </summary>
public sealed class ResponseSizeLimitHandler(long maxBytes, TransferStatistics? statistics = null) : DelegatingHandler
{
    public long MaxBytes { get; } = maxBytes;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Content.Headers.ContentLength is { } length && length > MaxBytes)
        {
            response.Dispose();
            throw new ComfyResponseTooLargeException(MaxBytes);
        }

        response.Content = new LimitedContent(response.Content, MaxBytes, statistics);
        return response;
    }

    private sealed class LimitedContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly long _max;
        private readonly TransferStatistics? _statistics;

        public LimitedContent(HttpContent inner, long max, TransferStatistics? statistics)
        {
            _inner = inner;
            _max = max;
            _statistics = statistics;
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
            new LimitedStream(await _inner.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), _max, _statistics);

        protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await using var source = await CreateContentReadStreamAsync(cancellationToken).ConfigureAwait(false);
            await source.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class LimitedStream(Stream inner, long max, TransferStatistics? statistics) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private int Count(int n)
        {
            _read += n;
            statistics?.AddResponseBytes(n);
            if (_read > max)
            {
                throw new ComfyResponseTooLargeException(max);
            }

            return n;
        }
    }
}
