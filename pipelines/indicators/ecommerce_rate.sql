-- 电子商务覆盖率 (%): the share of reporting enterprises with ecommerce.
-- Over R(c,p), counted in `facts` (views.sql): no value where no enterprise reported.
SELECT period, scope, scope_id,
       100.0 * ecommerce / reporting AS value
FROM facts
WHERE reporting > 0
