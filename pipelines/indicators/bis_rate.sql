-- 业务信息系统普及率 (%): the share of reporting enterprises with business_info_system.
-- Over R(c,p), counted in `facts` (views.sql): no value where no enterprise reported.
SELECT period, scope, scope_id,
       100.0 * business_info_system / reporting AS value
FROM facts
WHERE reporting > 0
