namespace ComfyMonitor.Docs.Tests;

/// <summary>One rule of an alert: its severity, how long it must hold (<c>for</c>), and its expression.</summary>
public sealed record AlertCondition(string Severity, string For, string Expr);
