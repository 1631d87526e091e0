// Log-probabilities from one row of logits, computed where the row lies: a Llama 3 row has 128,256 entries, and a
// prompt's context logits are one row per prompt token, so copying rows out (or across JNI) would cost more than
// reading them once.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace evalgate::trtllm
{

/// The chosen token's log-probability and the k most likely tokens of one position, most likely first (ties: lower
/// id first), as log-softmax of the row.
struct RowLogprobs
{
    float chosen{-std::numeric_limits<float>::infinity()};
    std::vector<std::int32_t> topIds;
    std::vector<float> topLogprobs;
};

/// @param row vocab logits of one position, of any element type toFloat converts
/// @param chosen the token whose log-probability is wanted (outside [0, vocab) gives -inf)
/// @param k how many of the most likely tokens to list
template <typename T, typename ToFloat>
RowLogprobs rowLogprobs(T const* row, std::int32_t vocab, std::int32_t chosen, std::int32_t k, ToFloat toFloat)
{
    double max = -std::numeric_limits<double>::infinity();
    for (std::int32_t v = 0; v < vocab; ++v)
    {
        double const x = toFloat(row[v]);
        if (x > max)
        {
            max = x;
        }
    }
    RowLogprobs out;
    if (!std::isfinite(max))
    {
        return out;
    }
    double sum = 0;
    for (std::int32_t v = 0; v < vocab; ++v)
    {
        double const x = toFloat(row[v]);
        if (!std::isnan(x))
        {
            sum += std::exp(x - max);
        }
    }
    double const logSumExp = max + std::log(sum);
    if (chosen >= 0 && chosen < vocab)
    {
        out.chosen = static_cast<float>(static_cast<double>(toFloat(row[chosen])) - logSumExp);
    }
    if (k <= 0)
    {
        return out;
    }
    // the k best so far, best first; k is small (OpenAI allows 20), so an insertion into a short sorted list is cheap
    std::vector<std::pair<double, std::int32_t>> best;
    best.reserve(static_cast<std::size_t>(k) + 1);
    for (std::int32_t v = 0; v < vocab; ++v)
    {
        double const x = toFloat(row[v]);
        if (std::isnan(x) || (static_cast<std::int32_t>(best.size()) == k && x <= best.back().first))
        {
            continue;
        }
        auto at = std::find_if(best.begin(), best.end(), [x](auto const& b) { return x > b.first; });
        best.insert(at, {x, v});
        if (static_cast<std::int32_t>(best.size()) > k)
        {
            best.pop_back();
        }
    }
    for (auto const& [x, v] : best)
    {
        out.topIds.push_back(v);
        out.topLogprobs.push_back(static_cast<float>(x - logSumExp));
    }
    return out;
}

} // namespace evalgate::trtllm
