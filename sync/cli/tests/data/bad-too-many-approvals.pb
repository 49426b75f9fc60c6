META
key;value
budget;1000
vote_type;approval
max_length;2
PROJECTS
project_id;cost;name
1;600;Jardin
2;400;Fontaine
3;400;Atelier vélo
VOTES
voter_id;vote
v1;1,2
v2;1,2,3
