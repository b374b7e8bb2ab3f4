using ComfyMonitor.Simulator.Execution;

namespace ComfyMonitor.Simulator.Fleet;

/// <summary>The stuck scenario and interrupts, as the worker sees them between steps.</summary>
public sealed partial class SimulatedInstance
{
    /// <summary>Waits while the instance is stuck; an interrupt ends the wait (the node then finishes).</summary>
    private async Task HoldWhileStuckAsync(string promptId, CancellationToken cancellationToken)
    {
        while (IsStuck && !IsInterrupted(promptId))
        {
            IsHolding = true;
            await Task.Delay(TimeSpan.FromMilliseconds(20), _time, cancellationToken);
        }

        IsHolding = false;
    }

    /// <summary>Whether the worker is held by the stuck scenario right now.</summary>
    public bool IsHolding { get; private set; }

    /// <summary>Inside a sampler's steps: held while stuck, interrupted at once (ComfyUI checks the flag every step).</summary>
    private async Task WaitWhileStuckAsync(string promptId, CancellationToken cancellationToken)
    {
        await HoldWhileStuckAsync(promptId, cancellationToken);
        ThrowIfInterrupted(promptId);
    }

    private bool IsInterrupted(string promptId)
    {
        lock (_lock)
        {
            return _interruptRequested == promptId;
        }
    }

    private void ThrowIfInterrupted(string promptId)
    {
        lock (_lock)
        {
            if (_interruptRequested == promptId)
            {
                throw new InterruptedException();
            }
        }
    }
}
