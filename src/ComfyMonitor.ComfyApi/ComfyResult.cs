using System.Diagnostics.CodeAnalysis;

namespace ComfyMonitor.ComfyApi;

/// <summary>The value of a successful call, or the <see cref="ComfyError"/> of a failed one.</summary>
public readonly record struct ComfyResult<T>
{
    private ComfyResult(T? value, ComfyError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public ComfyError? Error { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    public static ComfyResult<T> Success(T value) => new(value, null);

    public static ComfyResult<T> Failure(ComfyError error) => new(default, error);

    public static implicit operator ComfyResult<T>(ComfyError error) => Failure(error);

    public override string ToString() => IsSuccess ? $"ok: {Value}" : Error.ToString();
}
