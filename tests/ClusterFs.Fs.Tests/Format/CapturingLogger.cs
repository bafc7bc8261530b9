using Microsoft.Extensions.Logging;

namespace ClusterFs.Fs.Tests.Format;

/// <summary>An <see cref="ILogger"/> that keeps every message with its level, for tests that check what was logged.</summary>
internal sealed class CapturingLogger : ILogger
{
    private readonly List<(LogLevel Level, string Message)> _entries = [];

    /// <summary>Messages logged at <see cref="LogLevel.Error"/> or above.</summary>
    public IReadOnlyList<string> Errors
    {
        get { lock (_entries) return _entries.Where(e => e.Level >= LogLevel.Error).Select(e => e.Message).ToList(); }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries) _entries.Add((logLevel, formatter(state, exception)));
    }
}
