namespace ComfyMonitor.Collector.State;

/// <summary>One model folder of an instance as last read: how many files, and a fingerprint of their sorted names.</summary>
public sealed record ModelFolder(string Folder, int Count, string Fingerprint);

/// <summary>
/// The model folders of one instance, read every Collector:ModelsInterval. A failed read keeps what was read before and
/// is tried again the next cycle; a server without the routes (404) has an empty inventory and is not asked again until
/// the interval has passed.
/// </summary>
public sealed class ModelInventory(TimeSpan interval, TimeProvider time)
{
    private readonly Lock _lock = new();
    private DateTimeOffset? _read;
    private IReadOnlyList<ModelFolder> _folders = [];

    /// <summary>Whether this cycle should read the model folders.</summary>
    public bool Due
    {
        get
        {
            lock (_lock)
            {
                return _read is null || time.GetUtcNow() - _read >= interval;
            }
        }
    }

    /// <summary>The folders as last read (none before the first read or on a server without the routes).</summary>
    public IReadOnlyList<ModelFolder> Folders
    {
        get
        {
            lock (_lock)
            {
                return _folders;
            }
        }
    }

    /// <summary>A complete read: the folders it found (empty when the server has no such routes).</summary>
    public void Update(IReadOnlyList<ModelFolder> folders)
    {
        lock (_lock)
        {
            _read = time.GetUtcNow();
            _folders = folders;
        }
    }
}
