using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Storage;

namespace Orleans.Monitor.Api.Rest;

/// <summary>
/// A validated history request: a half-open range on minute boundaries, a step, and the rows it reads: minute rows up to
/// 24 h, hourly rollups beyond (unless the step asked for is finer than an hour). Without a step: 1m up to 24 h, 1h beyond.
/// </summary>
internal sealed record HistoryQuery(DateTimeOffset From, DateTimeOffset To, TimeSpan Step, bool Hourly = false)
{
    public const int MaxPoints = 10_000;

    /// <summary>The longest range served from minute rows when the step allows hours.</summary>
    public static readonly TimeSpan MinuteRange = TimeSpan.FromHours(24);

    /// <summary>The <c>resolution</c> of the response: <c>minute</c> or <c>hour</c>.</summary>
    public string Resolution => Hourly ? "hour" : "minute";

    public TimeRange Range => new(From, To);

    public string StepText => QueryParsing.StepText(Step);

    public static bool TryParse(
        string? from, string? to, string? step, TimeProvider clock, IOptions<ApiOptions> options,
        out HistoryQuery query, out ValidationProblem? problem)
    {
        query = null!;
        problem = null;
        if (!QueryParsing.TryParseStep(step, out var stepSpan))
        {
            problem = Problems.BadParameter("step", "step must be one of 1m, 5m, 15m, 1h, 1d.");
            return false;
        }

        if (!QueryParsing.TryParseTime(from, out var fromTime))
        {
            problem = Problems.BadParameter("from", "from must be an ISO-8601 date and time, e.g. 2026-11-21T12:00:00Z.");
            return false;
        }

        if (!QueryParsing.TryParseTime(to, out var toTime))
        {
            problem = Problems.BadParameter("to", "to must be an ISO-8601 date and time, e.g. 2026-11-21T13:00:00Z.");
            return false;
        }

        var now = clock.GetUtcNow();
        var end = toTime ?? now;
        // A 'to' within an hour of DateTimeOffset.MinValue must not underflow (500): the retention check rejects it below.
        var start = fromTime ?? (end - DateTimeOffset.MinValue > TimeSpan.FromHours(1) ? end - TimeSpan.FromHours(1) : DateTimeOffset.MinValue);
        if (start > end)
        {
            problem = Problems.BadParameter("from", "from must not be after to.");
            return false;
        }

        if (string.IsNullOrEmpty(step) && end - start > MinuteRange)
        {
            stepSpan = TimeSpan.FromHours(1);
        }

        var retention = options.Value.HistoryRetention;
        if (start < now - retention)
        {
            problem = Problems.BadParameter("from", $"from is older than the history retention ({retention.TotalDays:0.##} days).");
            return false;
        }

        if ((end - start) / stepSpan > MaxPoints)
        {
            problem = Problems.BadParameter("step", $"the range holds more than {MaxPoints} steps of {QueryParsing.StepText(stepSpan)}; use a larger step.");
            return false;
        }

        query = new HistoryQuery(start, end, stepSpan, end - start > MinuteRange && stepSpan >= TimeSpan.FromHours(1));
        return true;
    }
}
