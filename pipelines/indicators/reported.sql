-- Indicators of kind `reported` (e.g. 省级绿色园区数): at each quarter p, the latest value
-- in the values input with a period not after p.
SELECT period, scope, scope_id, indicator, value
FROM (
  SELECT p.period, v.scope, v.scope_id, v.indicator, v.value,
         ROW_NUMBER() OVER (PARTITION BY p.period, v.scope, v.scope_id, v.indicator
                            ORDER BY v.period_index DESC) AS rn
  FROM periods p
  JOIN reported_values v ON v.period_index <= p.period_index
) WHERE rn = 1
