# Sourced by the load tests: writes 300 small policy documents (English with a Chinese sentence each) into "$1".
write_policies() {
  local topics=("annual leave" "canteen" "expense reports" "office access" "parking" "security incidents" "travel booking" "onboarding" "remote work" "overtime")
  local zh=("年假申请需要提前两周在人事系统提交。" "食堂中午十二点开门，下午两点关门。" "报销单须在月底前提交并附发票。" "访客须在前台登记并佩戴证件。" "员工停车位在地下二层。" "安全事件须在一小时内上报。" "差旅须通过公司平台预订。" "新员工第一周完成入职清单。" "远程办公每周最多两天。" "加班须经主管批准。")
  local i t
  for i in $(seq 0 299); do
    t=$((i % 10))
    printf '# %s policy %d\n\nThis document describes the %s rules, revision %d. Employees should read it before asking HR.\n\n%s\n\nSection %d: exceptions need written approval from a manager.\n' \
      "${topics[$t]}" "$i" "${topics[$t]}" "$i" "${zh[$t]}" "$i" > "$1/policy-$i.md"
  done
}
