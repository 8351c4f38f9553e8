-- 数字化研发设计工具应用率 (%): the share of reporting enterprises with digital_rnd_tools.
-- Over R(c,p), counted in `facts` (views.sql): no value where no enterprise reported.
SELECT period, scope, scope_id,
       100.0 * digital_rnd_tools / reporting AS value
FROM facts
WHERE reporting > 0
