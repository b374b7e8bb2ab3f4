namespace ComfyMonitor.Collector.Tests;

/// <summary>Records the path and query of every request the client sends.</summary>
internal sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    public System.Collections.Concurrent.ConcurrentQueue<string> Requests { get; } = new();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Enqueue(request.RequestUri!.PathAndQuery);
        return base.SendAsync(request, cancellationToken);
    }
}
