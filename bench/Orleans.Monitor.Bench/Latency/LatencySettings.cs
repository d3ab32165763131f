namespace Orleans.Monitor.Bench.Latency;

/// <summary>What the latency probe runs against and how many trials it makes.</summary>
public sealed record LatencySettings(
    Uri ApiUrl,
    string ContainerId,
    int Trials,
    double ThresholdPercent,
    bool WatchContainer,
    string DockerCli,
    FileInfo? Csv);
